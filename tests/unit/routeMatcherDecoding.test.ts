import { compileRoute, MalformedPathError } from '../../local/routeMatcher';

/** local/routeMatcher.ts: route parameters are percent-decoded, as the Functions host decodes them. */
describe('route parameters', () => {
  const route = compileRoute('conversations/{id}/messages');

  it('are decoded', () => {
    expect(route.match('conversations/abc%2E1/messages')).toEqual({ id: 'abc.1' });
    expect(route.match('conversations/caf%C3%A9/messages')).toEqual({ id: 'café' });
  });

  it.each([['%ff'], ['%e2%82'], ['50%'], ['%ed%a0%80'], ['%zz']])(
    'that are not valid percent-encoding (%s) throw MalformedPathError, which the host answers 400',
    (segment) => {
      expect(() => route.match(`conversations/${segment}/messages`)).toThrow(MalformedPathError);
    },
  );

  it('that another route would not take are not decoded at all', () => {
    expect(route.match('threads/%ff')).toBeUndefined();
  });
});
