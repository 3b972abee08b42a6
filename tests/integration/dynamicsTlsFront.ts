/**
 * An https front for the Dynamics sandbox's Entra routes, so the identity library's real credentials
 * (ClientSecretCredential, ClientAssertionCredential) can be run against the sandbox's token endpoint: the
 * library takes only https authorities and reads the authority's OpenID metadata first, which Entra serves and
 * the sandbox does not. Everything but that metadata is passed through to the sandbox untouched.
 *
 * The certificate and key below are a throwaway pair for 127.0.0.1, made for this test and trusted nowhere else.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIDHDCCAgSgAwIBAgIUCL1IBYNG4nIxy9Trq9hCNCW+Y+8wDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwMTIyNDQ1MVoYDzIxMjYx
MTA3MjI0NDUxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQDME7cvFQGEJxd3GyH6p6ftYsg6wfPeU4dF8UHULVEp
TfhMxJYHN6oAfFCqEBs+9CzeihpK85i1neaP34lLKBgnOYP+ItA1lgoVhbfDLiuR
Jgv/AbUI3ZM/wdz/B6MsLa+FBGtussVKkNSSxYnxdp7IbjYUh5V4404TJIp/yTpA
w3s0F/b2N5OK0bNz7Snz0LHKt99hFXO4QNiHhnvlalfBHpQIyFy0bz/EMOzaPtgq
UDU/lAholqPAgV5n2P+00z1CC81aOztFYj09CrRxXDtcz+ZkUhMolrT2sxeqTAHm
xrnDe9TWSfAlGe6DUgaDWI1WnAG0D1C+URPU+tmbr8g9AgMBAAGjZDBiMB0GA1Ud
DgQWBBQpxaB//biVbJcBv6uv4Cl9bkq+5jAfBgNVHSMEGDAWgBQpxaB//biVbJcB
v6uv4Cl9bkq+5jAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwDQYJ
KoZIhvcNAQELBQADggEBACIVJfeFOq+a4m5wjWICzR8vXfSuLBlA61Ac+lJAwHAk
lBxmJX3Uu69snHVxgSsiiFglq8hcKOkjls8mJOOjDNmyf4AE0BeOp+EqlKnHPbPh
22p7u6Wc6FmFsE9WVECtM38R+skAu5o+GV47hf+hwYrx5HdDMOQ37Bqt7NU+TGhh
BSAWkb0LzjwRm5iFajoV7mOHxzKfsPs7ea3Mbrf56XVNuELRrUZqk8/nuSY9sdtF
21i5If8ceDxbbfDb5vKuUYzTldp4tgSpNHCR6l2wm1mx/rQAx5lWwS9qY3iZ2bY2
8gC8leuE0HtelkKdKCM96NCLLR5swgne1I3zNv1Apt8=
-----END CERTIFICATE-----`;

const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDME7cvFQGEJxd3
GyH6p6ftYsg6wfPeU4dF8UHULVEpTfhMxJYHN6oAfFCqEBs+9CzeihpK85i1neaP
34lLKBgnOYP+ItA1lgoVhbfDLiuRJgv/AbUI3ZM/wdz/B6MsLa+FBGtussVKkNSS
xYnxdp7IbjYUh5V4404TJIp/yTpAw3s0F/b2N5OK0bNz7Snz0LHKt99hFXO4QNiH
hnvlalfBHpQIyFy0bz/EMOzaPtgqUDU/lAholqPAgV5n2P+00z1CC81aOztFYj09
CrRxXDtcz+ZkUhMolrT2sxeqTAHmxrnDe9TWSfAlGe6DUgaDWI1WnAG0D1C+URPU
+tmbr8g9AgMBAAECggEAHMMzmIRspghPb5dIovgBvDylrVhcK2vY3zP5W/L2Iyzs
z78OSR6gjHh48vsZp/YIo+XRflpWXdSPJBx0kH3qZ47c6lLURxUqPy3NQEpP1CGJ
Y8vFDOaTxBLp95zHM+kNeaEtlhjGozOF7li+kCRwjR2xbBPO7o6U2LBX/9on5mwW
QUtd1zNyEF8fj+hYpW4BDqYm1dAbpCWncriGolIBgLcqAxbSxFbQJP44J1jS10c5
C3tnaAbIxqNxXCwTBk98RDNRQKVS7BRGdl1es6LgCh1DBej66LyGaWjxjlsRFYpN
H2iuoQfkzAei/n+ATUeOzLxEvuyb4BsmvI+e2nKgoQKBgQDu6qqAHsI+bR7uhkt1
jImZHG8gt8Kyp53z7aC+7YZdFtjDG9dP3CAQN5lqQtivle8jCmLtr77vAOFVqIza
ssWH1zoJn3JuoTVzyYkaFpn3oLCNNVkfvjI0xVVYYrEb5IZlzUWPQuruLo9TOoCH
fZ5lAZ/+Jm/g1NgG4r8eRi5cIQKBgQDaq1CfZO/4/P0uEM/bMoKp/sVP3P5D3hiX
MhHEnz0xY9KRvAH7OGyM9lm+Cf7vL2dDc8ubWd0YYWodK5ja8uSZAsJ7GHeXaOEd
qRWw+FiqBMw0ktoGhrn4iq7ZqdMwqD3ph2XBDHdFM+JjL0503SRTdnvGfatxhwNj
qWiAXFhInQKBgQCkJo9m37tN8ONjttl5tkmD7UldDWS0Iv4fbpEXHVNH+j6ML0DM
Gc3d1pWNsMf4O+fGB4jZDfr9c3lexSOhz1pwbqvtmKOi5xg2qa2NQyIeRUWIf7Lw
YFlWcI6m34gYRfchUtwMBkorw8mtwXA1p1WAyJEIqZgMvbB/aqMtRcLsgQKBgQDF
1DWlbvE4BtGbCnSyL5lM6IRkA2A50EXZC+BNTW9ULqZDWJ9GQ77ZLMr2Bh8RD4bR
3IH48yz2sLMK3vV0KEkuMPP336PaZHU9m0pXh+bXMm34pl7/hoXbWMRlgaHiJGOW
0fr50yhYgF8xMow9aBBEPi4u3mTr2aT0VkCH2IO6dQKBgDDvnTA7S10gViJRKo4g
jZcC2jhLBn/OBbnh0LnHDej9/yOJSZ6ATp1Dcm+d1vjPnV3xUlR4D7XNc2zkLiIf
nmhR47ndqpbovM9LLRJqW4GLiTCFPQoB6Y6TAxH8doHibB1CrU8A8B2he3pkbTOE
p/2SnNge76rtRfCpEMQQClrB
-----END PRIVATE KEY-----`;

export interface TlsFront {
  url: string;
  close(): Promise<void>;
}

export async function startTlsFront(upstream: string): Promise<TlsFront> {
  const server = https.createServer({ cert: TEST_CA, key: TEST_KEY }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration/.exec(path);
        if (metadata) {
          const tenant = metadata[1];
          const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/${tenant}`;
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              issuer: `${base}/v2.0`,
              token_endpoint: `${base}/oauth2/v2.0/token`,
              authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
              jwks_uri: `${base}/discovery/v2.0/keys`,
              response_types_supported: ['code'],
            }),
          );
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
        }
        const answer = await fetch(upstream + path, {
          method: req.method,
          headers,
          body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
