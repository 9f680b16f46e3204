// A real OpenID Connect provider for caseledger's single sign-on tests: panva's certified
// `oidc-provider`, configured like a council's identity provider (Microsoft Entra ID and others):
// confidential web clients authenticating with client_secret_basic, the authorization code flow
// with PKCE (S256) required, and a `groups` claim in the ID token.
//
//   node provider.mjs '<json>'     (or the same JSON in $OIDC_TEST_CONFIG)
//
//   {"port": 5123,
//    "clients": [{"client_id": "caseledger", "client_secret": "…",
//                 "redirect_uris": ["http://127.0.0.1:8000/auth/oidc/callback"]}],
//    "accounts": [{"sub": "u-1", "username": "ada", "password": "…", "email": "ada@council.test",
//                  "name": "Ada", "groups": ["csp-coordinators"]}]}
//
// It listens on 127.0.0.1 and prints `ready <issuer>` on stdout once it does.
//
// Everything a relying party sees (discovery, JWKS, the authorization and token endpoints, the
// signed ID tokens) is the library's own. The one part written here is the sign-in page, which
// every deployment of the library writes for itself: GET /interaction/<uid> shows a form and
// POST /interaction/<uid>/login checks the username and password, so a test drives it with plain
// HTTP requests, as a browser would. A wrong password ends the request with `access_denied`, as a
// provider does when a person cancels. Consent is not asked: the clients are first-party, as a
// council's administrator consents for its own applications.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] ?? process.env.OIDC_TEST_CONFIG ?? '');
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0) {
  throw new Error('give the port to listen on as "port" in the JSON configuration');
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = new Map((config.accounts ?? []).map((a) => [a.username, a]));
const bySub = new Map((config.accounts ?? []).map((a) => [a.sub, a]));

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: (config.clients ?? []).map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  // Entra ID and most council providers put the person's claims in the ID token itself.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, sub) {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
          groups: account.groups ?? [],
        };
      },
    };
  },
  // First-party clients: every scope and claim asked for is granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 10_000) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;

provider.use(async (ctx, next) => {
  const match = INTERACTION.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (match[1] !== details.uid) ctx.throw(400, 'unknown interaction');
  if (ctx.method === 'GET' && !match[2]) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Sign in</title>
<form method="post" action="/interaction/${escape(details.uid)}/login">
<input name="username" value="${escape(details.params.login_hint ?? '')}">
<input name="password" type="password"><button>Sign in</button></form>`;
    return undefined;
  }
  if (ctx.method === 'POST' && match[2]) {
    const form = await formBody(ctx.req);
    const account = accounts.get(form.get('username') ?? '');
    const result = account && account.password === form.get('password')
      ? { login: { accountId: account.sub } }
      : { error: 'access_denied', error_description: 'The username or password is not right.' };
    ctx.respond = false; // interactionFinished writes the redirect itself
    return provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  }
  return ctx.throw(405);
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
