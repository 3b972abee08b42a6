import { noDelayClientOptions, plainAmqpEndpoint } from '../../local/noDelayTransport';

const key = 'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE';

describe('the no-delay transport', () => {
  it("is used for plain-AMQP endpoints, on the connection string's host and port", () => {
    expect(plainAmqpEndpoint(`Endpoint=sb://127.0.0.1:40123;${key};UseDevelopmentEmulator=true`)).toEqual({
      host: '127.0.0.1',
      port: 40123,
    });
    expect(plainAmqpEndpoint(`Endpoint=sb://[::1]:5673;${key};UseDevelopmentEmulator=TRUE`)).toEqual({
      host: '::1',
      port: 5673,
    });
    // The SDK's own default port for the emulator.
    expect(plainAmqpEndpoint(`Endpoint=sb://localhost;${key};UseDevelopmentEmulator=true`)).toEqual({
      host: 'localhost',
      port: 5672,
    });
    expect(noDelayClientOptions(`Endpoint=sb://localhost;${key};UseDevelopmentEmulator=true`)).toHaveProperty(
      'webSocketOptions.webSocket',
    );
  });

  it('leaves a real namespace (TLS) to the SDK', () => {
    expect(noDelayClientOptions(`Endpoint=sb://contoso.servicebus.windows.net/;${key}`)).toEqual({});
    expect(noDelayClientOptions(`Endpoint=sb://localhost;${key};UseDevelopmentEmulator=false`)).toEqual({});
    expect(noDelayClientOptions('not a connection string')).toEqual({});
  });
});
