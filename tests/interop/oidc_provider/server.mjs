// A real, OpenID-certified authorization server (oidc-provider 9.x) for credflow's interop tests
// and rotation drill. It is a test fixture, not a deployment: everything lives in memory.
//
// Usage: node server.mjs [--port N] [--token-ttl SECONDS]
//   --port / OIDC_PROVIDER_PORT            0 (the default) picks a free port
//   --token-ttl / OIDC_PROVIDER_TOKEN_TTL  access-token lifetime in seconds, default 60
//   OIDC_PROVIDER_ADMIN_TOKEN              bearer token for /admin; random when unset
//   OIDC_PROVIDER_TLS_CERT / _TLS_KEY      PEM files: also serve HTTPS on a second port, asking for a
//                                          client certificate (RFC 8705 mutual TLS); its token URL
//                                          is the discovery document's mtls_endpoint_aliases entry
//   OIDC_PROVIDER_TLS_CA                   PEM file of the CA that tls_client_auth certificates
//                                          must chain to (self-signed ones are checked by key)
//
// On start-up it prints exactly one JSON line to stdout, e.g.
//   {"ready":true,"port":12345,"issuer":"http://127.0.0.1:12345",
//    "token_endpoint":"http://127.0.0.1:12345/token","api_url":"http://127.0.0.1:12345/api",
//    "token_ttl_seconds":60}
// plus "admin_token" only when the caller did not choose one through the environment. Nothing else
// is ever written to stdout, and no secret or token is ever logged (oidc-provider's own start-up
// warnings go to stderr).
//
// HTTP surface, all on 127.0.0.1:
//   oidc-provider's own endpoints       /.well-known/openid-configuration, /token, /jwks, ...
//   GET|POST /api/<anything>            200 JSON for a live access token, 401 invalid_token else
//   admin (Authorization: Bearer <admin token>, loopback peers only, JSON bodies):
//     POST /admin/clients               {client_id, client_secrets?: [..],
//                                        token_endpoint_auth_method?, scope?, jwks?,
//                                        tls_client_auth_san_dns?, tls_client_auth_subject_dn?,
//                                        token_endpoint_auth_signing_alg?}  upsert
//     GET  /admin/last-client-auth-error {detail}: why oidc-provider last answered invalid_client
//                                        (it tells the client only "client authentication failed")
//     POST /admin/clients/<id>/secrets  {replace: [..]} | {add: ".."} | {revoke: ".."}
//     GET  /admin/counters              {token_requests, tokens_issued, invalid_client,
//                                        api_calls, api_calls_rejected}
//     POST /admin/counters/reset
//     GET|POST /admin/token-ttl         {seconds}
//     POST /admin/reset                 no clients, zero counters, start-up token TTL
//
// Design notes (why, not what):
//
// * Tokens are opaque (no resource indicator is ever resolved, so oidc-provider stores a
//   ClientCredentials record and hands out its id). The protected API validates a bearer token the
//   way a resource server next to the authorization server would: it looks the token up through
//   the provider (`provider.ClientCredentials.find`) and checks `isExpired`, so a token expires on
//   the second and an unknown string is rejected without any signature machinery.
//
// * Clients live in a runtime registry (`registeredClients`) that the adapter serves as the
//   "Client" model, so `POST /admin/clients` takes effect on the next token request with no
//   provider restart and oidc-provider still validates the metadata as it would for any client.
//
// * oidc-provider authenticates client_secret_basic and client_secret_post as one family (a client
//   registered for either may use both) and compares the presented secret with the client's single
//   `client_secret`. Rotation needs several accepted secrets, and interop tests need the registered
//   method enforced. Both are client-authentication decisions, so both go into one hook:
//   `Client.prototype.compareClientSecret`, which oidc-provider calls for exactly these two
//   methods, after it has parsed the credentials and found the client. We replace it with a check
//   of the mechanism actually used and of the accepted-secret list. The alternatives are worse: a
//   middleware in front would have to parse the token request body itself (oidc-provider warns
//   against upstream body parsers) and then rewrite the credential to the one stored secret; and
//   swapping the stored `client_secret` at rotation time can never accept two secrets at once.
//   The hook is an internal method, hence the exact version pin and the start-up assertion below.
//   A secret change applies from the next token request; tokens already issued stay valid.

import {
  X509Certificate, createHash, generateKeyPairSync, randomBytes, timingSafeEqual,
} from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const SUPPORTED_AUTH_METHODS = new Set([
  'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
  'tls_client_auth', 'self_signed_tls_client_auth',
]);
// The methods that authenticate with the client secret; the others register no secret.
const SECRET_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
const TLS_FILES = {
  cert: process.env.OIDC_PROVIDER_TLS_CERT,
  key: process.env.OIDC_PROVIDER_TLS_KEY,
  ca: process.env.OIDC_PROVIDER_TLS_CA,
};
// Set once the HTTPS listener is up: RFC 8705 §5 mtls_endpoint_aliases.token_endpoint.
let mtlsTokenEndpoint;
// Why the last invalid_client answer was given (oidc-provider's error_detail; never a secret).
let lastClientAuthError = null;
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Configuration from argv / environment.

function parsePositiveInteger(value, name, { allowZero = false } = {}) {
  const parsed = Number(value);
  const lowest = allowZero ? 0 : 1;
  if (!Number.isSafeInteger(parsed) || parsed < lowest) {
    throw new Error(`${name} must be an integer >= ${lowest}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

const { values: cliOptions } = parseArgs({
  options: {
    port: { type: 'string' },
    'token-ttl': { type: 'string' },
  },
});

const requestedPort = parsePositiveInteger(
  cliOptions.port ?? process.env.OIDC_PROVIDER_PORT ?? '0',
  'port',
  { allowZero: true },
);
const startupClientCredentialsTtlSeconds = parsePositiveInteger(
  cliOptions['token-ttl'] ?? process.env.OIDC_PROVIDER_TOKEN_TTL ?? '60',
  'token-ttl',
);
// Read on every token issuance, so the admin API can change it while the server runs.
let clientCredentialsTtlSeconds = startupClientCredentialsTtlSeconds;
const adminTokenFromEnvironment = process.env.OIDC_PROVIDER_ADMIN_TOKEN;
const adminToken = adminTokenFromEnvironment || randomBytes(32).toString('base64url');

// ---------------------------------------------------------------------------------------------
// State: registered clients, stored artifacts, counters.

/** client_id -> { acceptedSecrets: string[], tokenEndpointAuthMethod: string, scope: string } */
const registeredClients = new Map();

function newCounters() {
  return {
    token_requests: 0,
    tokens_issued: 0,
    invalid_client: 0,
    api_calls: 0,
    api_calls_rejected: 0,
  };
}
let counters = newCounters();

/** The client record oidc-provider sees: its one `client_secret` is the newest accepted secret. */
function clientMetadataFor(clientId, registration) {
  const metadata = {
    client_id: clientId,
    token_endpoint_auth_method: registration.tokenEndpointAuthMethod,
    scope: registration.scope,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    ...registration.keyMetadata,
  };
  if (registration.acceptedSecrets.length > 0) {
    metadata.client_secret = registration.acceptedSecrets.at(-1);
  }
  return metadata;
}

/** Every model but Client is a plain expiring map; Client is served from `registeredClients`. */
class InMemoryAdapter {
  static #storedByKey = new Map();

  constructor(modelName) {
    this.modelName = modelName;
  }

  #key(id) {
    return `${this.modelName}:${id}`;
  }

  async upsert(id, payload, expiresInSeconds) {
    const expiresAtMs = expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : Infinity;
    InMemoryAdapter.#storedByKey.set(this.#key(id), { payload, expiresAtMs });
  }

  async find(id) {
    if (this.modelName === 'Client') {
      const registration = registeredClients.get(id);
      return registration ? clientMetadataFor(id, registration) : undefined;
    }
    const stored = InMemoryAdapter.#storedByKey.get(this.#key(id));
    if (!stored) {
      return undefined;
    }
    if (stored.expiresAtMs <= Date.now()) {
      InMemoryAdapter.#storedByKey.delete(this.#key(id));
      return undefined;
    }
    return stored.payload;
  }

  // The client credentials grant uses no user codes, sessions or grants; these exist because
  // oidc-provider requires the full adapter interface.
  async findByUserCode() {
    return undefined;
  }

  async findByUid() {
    return undefined;
  }

  async consume(id) {
    const stored = InMemoryAdapter.#storedByKey.get(this.#key(id));
    if (stored) {
      stored.payload.consumed = Math.floor(Date.now() / 1000);
    }
  }

  async destroy(id) {
    InMemoryAdapter.#storedByKey.delete(this.#key(id));
  }

  async revokeByGrantId(grantId) {
    for (const [key, stored] of InMemoryAdapter.#storedByKey) {
      if (stored.payload.grantId === grantId) {
        InMemoryAdapter.#storedByKey.delete(key);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

function constantTimeEquals(expected, presented) {
  // Digests have one length whatever the inputs, so neither the answer nor its timing says how
  // long the expected value is.
  const digest = (value) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

function isLoopback(address) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

async function readJsonBody(ctx) {
  const chunks = [];
  let receivedBytes = 0;
  for await (const chunk of ctx.req) {
    receivedBytes += chunk.length;
    if (receivedBytes > ADMIN_BODY_LIMIT_BYTES) {
      throw new AdminRequestError(413, 'request body too large');
    }
    chunks.push(chunk);
  }
  if (receivedBytes === 0) {
    return {};
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AdminRequestError(400, 'request body is not valid JSON');
  }
}

class AdminRequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function requireSecretList(value, field) {
  if (!Array.isArray(value) || value.length === 0
      || !value.every((secret) => typeof secret === 'string' && secret.length > 0)) {
    throw new AdminRequestError(400, `${field} must be a non-empty list of non-empty strings`);
  }
  return [...new Set(value)];
}

function requireNonEmptyString(value, field) {
  if (typeof value !== 'string' || value.length === 0) {
    throw new AdminRequestError(400, `${field} must be a non-empty string`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The provider.

function buildProvider(issuer) {
  // A fresh signing key per run: nothing is signed for the client credentials grant with opaque
  // tokens, but without keys oidc-provider falls back to its published development keys.
  // EC rather than RSA: generating a P-256 key takes milliseconds, an RSA key up to a second.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' };

  const provider = new Provider(issuer, {
    adapter: InMemoryAdapter,
    jwks: { keys: [signingJwk] },
    // The client default is RS256, which the EC key above cannot sign; clients never get ID
    // tokens here, but their metadata is validated against the keystore all the same.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Machine-to-machine only: no end-user accounts exist.
    findAccount: async () => undefined,
    // No browser clients: the token endpoint never answers CORS requests.
    clientBasedCORS: () => false,
    scopes: ['api.read', 'api.write'],
    routes: { token: '/token' },
    // The defaults plus RFC 8705's two methods (without 'none': every client here authenticates).
    clientAuthMethods: [...SUPPORTED_AUTH_METHODS],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      // RFC 8705 client authentication only: tokens stay bearer tokens (no cnf binding).
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: false,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        getCertificate: peerCertificate,
        // tls_client_auth: the certificate chains to OIDC_PROVIDER_TLS_CA (node verified it).
        certificateAuthorized: (ctx) => ctx.socket.authorized === true,
        certificateSubjectMatches,
      },
    },
    ttl: {
      ClientCredentials: () => clientCredentialsTtlSeconds,
    },
  });

  installClientAuthenticationHook(provider);
  provider.on('grant.error', (ctx, error) => {
    if (error.error === 'invalid_client') {
      lastClientAuthError = error.error_detail ?? error.error_description ?? null;
    }
  });
  provider.use(publishMtlsEndpointAliases);
  provider.use(countTokenEndpointOutcomes);
  provider.use(serveAdminApi);
  provider.use(serveProtectedApi);
  return provider;
}

// The client certificate of the request's TLS connection, or undefined on plain HTTP: the fixture's
// HTTPS listener asks for one (requestCert) and lets the handshake through without it
// (rejectUnauthorized false), so that oidc-provider, not TLS, decides and says why.
function peerCertificate(ctx) {
  const peer = typeof ctx.socket.getPeerCertificate === 'function' ? ctx.socket.getPeerCertificate() : null;
  if (!peer || !peer.raw) {
    return undefined;
  }
  return new X509Certificate(peer.raw);
}

function certificateSubjectMatches(ctx, property, expected) {
  const certificate = peerCertificate(ctx);
  if (!certificate) {
    return false;
  }
  if (property === 'tls_client_auth_san_dns') {
    return (certificate.subjectAltName ?? '').split(', ').includes(`DNS:${expected}`);
  }
  if (property === 'tls_client_auth_subject_dn') {
    // node lists the RDNs one per line, most significant first; RFC 4514 writes them reversed.
    return certificate.subject.split('\n').reverse().join(',') === expected;
  }
  return false;
}

function installClientAuthenticationHook(provider) {
  const clientPrototype = provider.Client.prototype;
  if (typeof clientPrototype.compareClientSecret !== 'function') {
    // Fail at start-up rather than silently accept any secret after an oidc-provider upgrade.
    throw new Error('oidc-provider no longer has Client#compareClientSecret; revisit server.mjs');
  }
  clientPrototype.compareClientSecret = async function compareWithAcceptedSecrets(presented) {
    // oidc-provider only calls this for client_secret_basic / client_secret_post clients, once
    // it has rejected requests carrying credentials both ways. It took the secret from the body
    // when `client_secret` is set there (same truthiness test), from the Basic header otherwise.
    const ctx = Provider.ctx;
    if (!ctx) {
      throw new Error('client secret compared outside a request; cannot tell the method used');
    }
    const presentedMethod = ctx.oidc.params.client_secret
      ? 'client_secret_post'
      : 'client_secret_basic';
    if (presentedMethod !== this.clientAuthMethod) {
      throw new errors.InvalidClientAuth(
        `client is registered for ${this.clientAuthMethod}, request used ${presentedMethod}`,
      );
    }
    const acceptedSecrets = registeredClients.get(this.clientId)?.acceptedSecrets ?? [];
    // Compare against every accepted secret so timing does not reveal which one matched.
    let matched = false;
    for (const acceptedSecret of acceptedSecrets) {
      matched = constantTimeEquals(acceptedSecret, presented) || matched;
    }
    return matched;
  };
}

async function countTokenEndpointOutcomes(ctx, next) {
  await next();
  // ctx.oidc only exists on requests that reached one of oidc-provider's routes.
  if (!Object.hasOwn(ctx, 'oidc') || ctx.oidc.route !== 'token') {
    return;
  }
  counters.token_requests += 1;
  if (ctx.status === 200) {
    counters.tokens_issued += 1;
  } else if (ctx.body?.error === 'invalid_client') {
    counters.invalid_client += 1;
  }
}

// RFC 8705 §5: the HTTPS listener's token endpoint, for clients using mutual TLS.
async function publishMtlsEndpointAliases(ctx, next) {
  await next();
  if (mtlsTokenEndpoint && Object.hasOwn(ctx, 'oidc') && ctx.oidc.route === 'discovery' && ctx.body) {
    ctx.body = { ...ctx.body, mtls_endpoint_aliases: { token_endpoint: mtlsTokenEndpoint } };
  }
}

// ---------------------------------------------------------------------------------------------
// Admin API: loopback only, bearer admin token, JSON in and out.

function sendJson(ctx, status, body) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

function describeClient(clientId, registration) {
  // Never echo secrets back: the count is all a caller needs to check a rotation step.
  return {
    client_id: clientId,
    token_endpoint_auth_method: registration.tokenEndpointAuthMethod,
    scope: registration.scope,
    accepted_secret_count: registration.acceptedSecrets.length,
  };
}

// Client metadata for the methods without a secret (RFC 7591 names), passed through to
// oidc-provider, which validates them as for any client.
const KEY_METADATA = [
  'jwks', 'tls_client_auth_san_dns', 'tls_client_auth_subject_dn', 'token_endpoint_auth_signing_alg',
];

async function upsertClient(provider, body) {
  const clientId = requireNonEmptyString(body.client_id, 'client_id');
  const tokenEndpointAuthMethod = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!SUPPORTED_AUTH_METHODS.has(tokenEndpointAuthMethod)) {
    throw new AdminRequestError(
      400,
      `token_endpoint_auth_method must be one of ${[...SUPPORTED_AUTH_METHODS].join(', ')}`,
    );
  }
  const acceptedSecrets = SECRET_AUTH_METHODS.has(tokenEndpointAuthMethod) || body.client_secrets
    ? requireSecretList(body.client_secrets, 'client_secrets')
    : [];
  const keyMetadata = Object.fromEntries(
    KEY_METADATA.filter((name) => body[name] !== undefined).map((name) => [name, body[name]]),
  );
  const scope = requireNonEmptyString(body.scope ?? 'api.read', 'scope');
  const registration = {
    acceptedSecrets, tokenEndpointAuthMethod, scope, keyMetadata,
  };
  try {
    // The same validation oidc-provider runs when it loads a client, but reported here.
    await provider.Client.validate(clientMetadataFor(clientId, registration));
  } catch (error) {
    const reason = error.error_description ?? error.message;
    throw new AdminRequestError(400, `invalid client metadata: ${reason}`);
  }
  registeredClients.set(clientId, registration);
  return describeClient(clientId, registration);
}

function changeSecrets(clientId, body) {
  const registration = registeredClients.get(clientId);
  if (!registration) {
    throw new AdminRequestError(404, `no client ${JSON.stringify(clientId)}`);
  }
  let acceptedSecrets;
  if (body.replace !== undefined) {
    acceptedSecrets = requireSecretList(body.replace, 'replace');
  } else if (body.add !== undefined) {
    const added = requireNonEmptyString(body.add, 'add');
    acceptedSecrets = [...registration.acceptedSecrets.filter((s) => s !== added), added];
  } else if (body.revoke !== undefined) {
    const revoked = requireNonEmptyString(body.revoke, 'revoke');
    acceptedSecrets = registration.acceptedSecrets.filter((s) => s !== revoked);
    if (acceptedSecrets.length === 0) {
      throw new AdminRequestError(409, 'cannot revoke the last accepted secret');
    }
  } else {
    throw new AdminRequestError(400, 'body must have one of "replace", "add", "revoke"');
  }
  registration.acceptedSecrets = acceptedSecrets;
  return describeClient(clientId, registration);
}

function isAuthorizedAdminRequest(ctx) {
  const header = ctx.get('authorization');
  const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return isLoopback(ctx.req.socket.remoteAddress) && constantTimeEquals(adminToken, presented);
}

async function routeAdminRequest(ctx, provider) {
  const secretsPath = /^\/admin\/clients\/([^/]+)\/secrets$/u.exec(ctx.path);
  if (ctx.method === 'POST' && ctx.path === '/admin/clients') {
    return [200, await upsertClient(provider, await readJsonBody(ctx))];
  }
  if (ctx.method === 'POST' && secretsPath) {
    return [200, changeSecrets(decodeURIComponent(secretsPath[1]), await readJsonBody(ctx))];
  }
  if (ctx.method === 'GET' && ctx.path === '/admin/last-client-auth-error') {
    return [200, { detail: lastClientAuthError }];
  }
  if (ctx.method === 'GET' && ctx.path === '/admin/counters') {
    return [200, counters];
  }
  if (ctx.method === 'POST' && ctx.path === '/admin/counters/reset') {
    counters = newCounters();
    return [200, counters];
  }
  if (ctx.method === 'POST' && ctx.path === '/admin/reset') {
    // Back to the state right after start-up, so one server can serve many isolated tests.
    // Tokens already issued stay valid until they expire, as they would on a real server.
    registeredClients.clear();
    counters = newCounters();
    lastClientAuthError = null;
    clientCredentialsTtlSeconds = startupClientCredentialsTtlSeconds;
    return [200, { reset: true }];
  }
  if (ctx.method === 'GET' && ctx.path === '/admin/token-ttl') {
    return [200, { seconds: clientCredentialsTtlSeconds }];
  }
  if (ctx.method === 'POST' && ctx.path === '/admin/token-ttl') {
    const body = await readJsonBody(ctx);
    try {
      clientCredentialsTtlSeconds = parsePositiveInteger(body.seconds, 'seconds');
    } catch (error) {
      throw new AdminRequestError(400, error.message);
    }
    return [200, { seconds: clientCredentialsTtlSeconds }];
  }
  throw new AdminRequestError(404, `no admin route ${ctx.method} ${ctx.path}`);
}

// `ctx.app` is the provider: since 7.x the Provider instance is the Koa application itself.
async function serveAdminApi(ctx, next) {
  if (ctx.path !== '/admin' && !ctx.path.startsWith('/admin/')) {
    await next();
    return;
  }
  if (!isAuthorizedAdminRequest(ctx)) {
    sendJson(ctx, 401, { error: 'unauthorized', error_description: 'admin token required' });
    return;
  }
  try {
    const [status, body] = await routeAdminRequest(ctx, ctx.app);
    sendJson(ctx, status, body);
  } catch (error) {
    if (!(error instanceof AdminRequestError)) {
      throw error;
    }
    sendJson(ctx, error.status, {
      error: 'admin_request_failed',
      error_description: error.message,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Protected API: any GET/POST under /api/ answers 200 for a live access token, 401 otherwise.

async function findLiveAccessToken(provider, authorizationHeader) {
  const match = /^Bearer ([\x21-\x7e]+)$/u.exec(authorizationHeader);
  if (!match) {
    return undefined;
  }
  const token = await provider.ClientCredentials.find(match[1]);
  if (!token || token.isExpired) {
    return undefined;
  }
  return token;
}

async function serveProtectedApi(ctx, next) {
  if (!ctx.path.startsWith('/api/')) {
    await next();
    return;
  }
  if (ctx.method !== 'GET' && ctx.method !== 'POST') {
    ctx.set('Allow', 'GET, POST');
    sendJson(ctx, 405, { error: 'method_not_allowed' });
    return;
  }
  counters.api_calls += 1;
  const token = await findLiveAccessToken(ctx.app, ctx.get('authorization'));
  if (!token) {
    counters.api_calls_rejected += 1;
    ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    sendJson(ctx, 401, { error: 'invalid_token' });
    return;
  }
  sendJson(ctx, 200, {
    ok: true,
    method: ctx.method,
    path: ctx.path,
    client_id: token.clientId,
    scope: token.scope ?? '',
    expires_at: token.exp,
  });
}

// ---------------------------------------------------------------------------------------------
// Start-up: listen first (the issuer must carry the real port), then build the provider.

let handleRequest = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = createServer((req, res) => handleRequest(req, res));
const extraServers = [];

server.listen(requestedPort, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = buildProvider(issuer);
  handleRequest = provider.callback();
  if (TLS_FILES.cert && TLS_FILES.key) {
    listenForMutualTls(issuer);
    return;
  }
  announceReady(issuer, port);
});

function listenForMutualTls(issuer) {
  const tlsServer = createHttpsServer(
    {
      cert: readFileSync(TLS_FILES.cert),
      key: readFileSync(TLS_FILES.key),
      ...(TLS_FILES.ca ? { ca: readFileSync(TLS_FILES.ca) } : {}),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => handleRequest(req, res),
  );
  extraServers.push(tlsServer);
  tlsServer.listen(0, '127.0.0.1', () => {
    mtlsTokenEndpoint = `https://127.0.0.1:${tlsServer.address().port}/token`;
    announceReady(issuer, server.address().port);
  });
}

function announceReady(issuer, port) {
  const readyLine = {
    ready: true,
    port,
    issuer,
    token_endpoint: `${issuer}/token`,
    api_url: `${issuer}/api`,
    token_ttl_seconds: clientCredentialsTtlSeconds,
    ...(mtlsTokenEndpoint ? { mtls_token_endpoint: mtlsTokenEndpoint } : {}),
  };
  if (!adminTokenFromEnvironment) {
    // The caller could not know a token it did not choose; this is the only place it appears.
    readyLine.admin_token = adminToken;
  }
  process.stdout.write(`${JSON.stringify(readyLine)}\n`);
}

function shutDown() {
  for (const extra of extraServers) {
    extra.close();
    extra.closeAllConnections();
  }
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);
