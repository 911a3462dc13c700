/**
 * The composition root: config → stores → domain services → oidc-provider → Koa app. Nothing else in the
 * code base creates a client, a store or a service; tests build the real thing through this function.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mount from 'koa-mount';
import serveStatic from 'koa-static';
import type { Provider } from 'oidc-provider';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';

import { createPasswordHasher } from './accounts/password-hasher.ts';
import { createPasswordLogin } from './authentication/password-login.ts';
import { createPasswordPolicy, loadCommonPasswords } from './accounts/password-policy.ts';
import { createLoginThrottle, createRateLimit, phoneFlowStartRules } from './authentication/login-throttle.ts';
import { createTotp } from './authentication/totp.ts';
import { createSessionActivity } from './assurance/session-activity.ts';
import { createPasskeys } from './authentication/passkeys.ts';
import { cibaNotice, createBackChannelSignIn } from './ciba/back-channel-sign-in.ts';
import { createOneTimeCodes, defaultOneTimeCodeRules } from './authentication/one-time-codes.ts';
import { defaultConfigDir } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { createEnrollment } from './enrollment/enrollment.ts';
import { createPhoneChallenges } from './enrollment/phone-challenges.ts';
import { createPasswordRecovery } from './enrollment/recovery.ts';
import { createPhoneFlowRouters } from './enrollment/router.ts';
import { createAccountSuspension, createCitizenLookup, createLoginStatusCheck } from './registry/live-status.ts';
import { createDevelopmentOutboxRouter } from './sms/development-outbox-page.ts';
import { DevelopmentSmsOutbox } from './sms/development-outbox.ts';
import { HttpSmsGateway } from './sms/http-gateway.ts';
import type { SmsSender } from './sms/sms-sender.ts';
import { registerAccountAreaClient, registerDeskClient, registerPhoneAppClient } from './first-party/clients.ts';
import { createDeskRouter } from './desk/router.ts';
import { createRelyingPartyRegistry } from './relying-parties/registry.ts';
import { DevelopmentFaceMatcherNoBiometrics, HttpFaceMatcher, type FaceMatcher } from './biometrics/face-matcher.ts';
import { createChipVerification } from './chip/chip-verification.ts';
import { createCsca, createDocumentSigner, type Authority } from './chip/synthetic-issuer.ts';
import { loadTrustList, type TrustList } from './chip/trust-list.ts';
import { createIdentityUpgrade } from './identity-upgrade/identity-upgrade.ts';
import { createIdentityUpgradeApi } from './identity-upgrade/phone-api.ts';
import { createDevelopmentUpgradeSimulator } from './identity-upgrade/development-simulator.ts';
import { createAccountAreaRouter } from './account/router.ts';
import { createDemoPortalRouter } from './demo/portal.ts';
import { seedDemo, type DemoSeed } from './demo/seed.ts';
import { backendOutageMiddleware, classify, errorMiddleware, requestIdMiddleware } from './http/errors.ts';
import { createHealthRouter } from './http/health.ts';
import { localeMiddleware } from './http/locale.ts';
import { securityHeadersMiddleware } from './http/security-headers.ts';
import { createViews } from './http/views.ts';
import { createAssuranceStep } from './interactions/assurance-step.ts';
import { createConsentStep } from './interactions/consent-step.ts';
import { createCsrfTokens } from './interactions/csrf.ts';
import { createLoginStep } from './interactions/login-step.ts';
import { createPasskeyStep } from './interactions/passkey-step.ts';
import { createInteractionRouter } from './interactions/router.ts';
import { KeyRing, loadSigningKeys } from './keys/keyring.ts';
import { createFindAccount } from './oidc/find-account.ts';
import { createBackChannelLogout, deliverLogoutTokensThrough } from './logout/back-channel-logout.ts';
import { createAdapterFactory } from './oidc/protocol-state.ts';
import { createProvider } from './oidc/provider.ts';
import { createPopulationRegistry } from './registry/create-registry.ts';
import type { PopulationRegistry } from './registry/population-registry.ts';
import { createMemoryStores } from './stores/memory/index.ts';
import { createRedisMongoStores } from './stores/mongo/index.ts';
import type { Stores } from './stores/stores.ts';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const viewsDir = path.join(projectRoot, 'views');
/** @simplewebauthn/browser's ES modules, served as they are to the pages' passkey.js. */
const webAuthnBrowserDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'esm');

export interface DinhDanhOverrides {
  logger?: Logger;
  stores?: Stores;
  registry?: PopulationRegistry;
  /** Epoch milliseconds for time-bound rules (one-time codes); tests move it instead of sleeping. */
  clock?: () => number;
}

/** The SMS port's implementation (production refuses the development outbox in config). */
function createSmsSender(config: Config, logger: Logger): SmsSender {
  switch (config.sms.provider) {
    case 'development-outbox':
      return new DevelopmentSmsOutbox(logger);
    case 'http':
      return new HttpSmsGateway({ url: config.sms.gatewayUrl, token: config.sms.gatewayToken, timeoutMs: config.sms.timeoutMs, sender: config.sms.sender });
  }
}

function createFaceMatcher(config: Config): FaceMatcher {
  switch (config.faceMatcher.provider) {
    case 'development':
      return new DevelopmentFaceMatcherNoBiometrics();
    case 'http':
      return new HttpFaceMatcher({ url: config.faceMatcher.url, token: config.faceMatcher.token, timeoutMs: config.faceMatcher.timeoutMs });
  }
}

/**
 * The CSCA trust list from CHIP_CSCA_DIR, plus (outside production, when CHIP_DEVELOPMENT_ISSUER is on) a
 * SYNTHETIC CSCA and Document Signer made now, for simulating a demo citizen's card (/dev/chip).
 */
async function createChipTrust(config: Config): Promise<{ trust: TrustList; developmentSigner?: Authority }> {
  const trust = await loadTrustList(path.resolve(projectRoot, config.chip.cscaDir));
  if (config.env === 'production' && !trust.cscas.length) throw new Error(`CHIP_CSCA_DIR (${config.chip.cscaDir}) holds no CSCA certificate: chip ID cards could never be verified`);
  if (!config.chip.developmentIssuer || config.env === 'production') return { trust };
  const csca = await createCsca({ commonName: 'CSCA of this development DinhDanh (synthetic)' });
  return { trust: { cscas: [...trust.cscas, csca.certificate], crls: trust.crls }, developmentSigner: await createDocumentSigner(csca) };
}

async function createStores(config: Config, logger: Logger): Promise<Stores> {
  switch (config.stores.backend) {
    case 'memory':
      return createMemoryStores();
    case 'redis-mongo':
      return createRedisMongoStores(config, logger);
  }
}

export async function createDinhDanh(config: Config, overrides: DinhDanhOverrides = {}): Promise<DinhDanh> {
  const logger = overrides.logger ?? pino({ level: config.log.level, base: { service: 'dinhdanh' } });

  // Stores and outside systems.
  const stores = overrides.stores ?? (await createStores(config, logger));
  // Metrics of outside systems (the registry today), served at /health/metrics.
  const metrics = new Registry();
  const registry = overrides.registry ?? (await createPopulationRegistry(config, { logger, metrics, projectRoot }));

  try {
    return await composeOnStores(config, stores, registry, logger, overrides.clock ?? Date.now, metrics);
  } catch (error) {
    await stores.close();
    throw error;
  }
}

async function composeOnStores(config: Config, stores: Stores, registry: PopulationRegistry, logger: Logger, clock: () => number, metrics: Registry) {
  const notices: string[] = [];

  // Domain services.
  const hasher = createPasswordHasher(config.passwords);
  const signInWithPassword = await createPasswordLogin(stores.accounts, stores.credentials, hasher);
  const suspend = createAccountSuspension(stores.accounts, stores.audit);
  const registryAllowsLogin = createLoginStatusCheck(registry, suspend, logger);
  const lookUpCitizen = createCitizenLookup(registry, config.registry.claimsCacheSeconds, clock);
  const sms = createSmsSender(config, logger);
  const codes = createOneTimeCodes(stores.oneTimeCodes, config.cookies.keys[0]!, defaultOneTimeCodeRules, clock);
  const phoneChallenges = createPhoneChallenges({ codes, sms, logger });
  const checkPassword = createPasswordPolicy(loadCommonPasswords(defaultConfigDir));
  const accountServices = { registry, accounts: stores.accounts, credentials: stores.credentials, hasher, checkPassword, codes, phoneChallenges, audit: stores.audit };
  const enrollment = createEnrollment({ ...accountServices, passwordResetUrl: `${config.issuer}/account/recover` });
  const throttle = createLoginThrottle({ store: stores.failureCounters, accounts: stores.accounts, audit: stores.audit, now: clock });
  const recovery = createPasswordRecovery({ ...accountServices, throttle });
  await registerAccountAreaClient(stores.relyingParties, config.issuer);
  await registerPhoneAppClient(stores.relyingParties);
  await registerDeskClient(stores.relyingParties, config.issuer);
  const chipTrust = await createChipTrust(config);
  const faceMatcher = createFaceMatcher(config);
  const identityUpgrade = createIdentityUpgrade({
    protocolState: stores.protocolState,
    accounts: stores.accounts,
    credentials: stores.credentials,
    verifyChip: createChipVerification({ trustList: () => chipTrust.trust, registry, now: clock }),
    faceMatcher,
    audit: stores.audit,
  });
  const demo: DemoSeed | undefined = config.demo.seed ? await seedDemo(stores, hasher, config.issuer) : undefined;

  // Protocol.
  const keyRing = new KeyRing(path.resolve(projectRoot, config.keys.dir), {
    publishLeadSeconds: config.keys.publishLeadSeconds,
    longestSignedTokenSeconds: Math.max(config.oidc.ttl.idToken, config.oidc.ttl.accessToken),
  });
  const keys = await loadSigningKeys(keyRing, { production: config.env === 'production', generateMissing: config.keys.generateMissing });
  notices.push(...keys.notices);

  const views = createViews(viewsDir);
  const acrValues = config.oidc.acr;
  const passkeys = createPasskeys({ credentials: stores.credentials, protocolState: stores.protocolState, issuer: config.issuer, rpName: 'DinhDanh', now: clock });
  // CIBA's hooks run inside the provider, and its approvals call back into it: a late-bound reference.
  let providerRef: Provider | undefined;
  const backChannelSignIn = createBackChannelSignIn({
    provider: () => providerRef!,
    accounts: stores.accounts,
    accountById: (accountId) => stores.accounts.findById(accountId),
    relyingParties: stores.relyingParties,
    inbox: stores.approvalInbox,
    consents: stores.consents,
    passkeys,
    audit: stores.audit,
    acrValues,
    clock,
    notify: (account, clientName) => phoneChallenges.sendLater(account.phoneNumber, cibaNotice(clientName)),
  });
  const provider = createProvider({
    ciba: backChannelSignIn,
    config,
    jwks: keys.jwks as { keys: Record<string, unknown>[] },
    adapter: createAdapterFactory(stores.protocolState, stores.relyingParties),
    findAccount: createFindAccount(stores.accounts, lookUpCitizen, suspend),
    views,
    acrValues,
    clock,
    sessionActivity: createSessionActivity({ store: stores.protocolState, keepSeconds: config.oidc.level2MaxAgeSeconds, clock }),
    identityLevelOf: async (accountId) => (await stores.accounts.findById(accountId))?.identityLevel,
    minimumLevelOf: async (clientId) => (await stores.relyingParties.findByClientId(clientId))?.minimumLevel ?? 1,
  });
  providerRef = provider;
  // Back-channel logout with retries and dead letters; its worker starts once the app is composed.
  const backChannelLogout = createBackChannelLogout({ provider, store: stores.logoutDeliveries, audit: stores.audit, logger, clock });
  deliverLogoutTokensThrough(provider, backChannelLogout);
  provider.on('server_error', (ctx, error) => {
    // A backend outage is logged once by the error middleware; mark it so the JSON answer becomes a 503.
    if (classify(error).status === 503) ctx.state.backendOutage = true;
    else logger.error({ err: error, path: ctx.path }, 'oidc-provider server error');
  });

  // HTTP: the provider is the Koa app; our middleware runs before its routes (Provider#use).
  const csrf = createCsrfTokens(config.cookies.keys[0]!);
  const totp = createTotp({ credentials: stores.credentials, issuerName: 'DinhDanh', now: clock });
  const assuranceStep = createAssuranceStep({
    provider,
    views,
    csrf,
    accounts: stores.accounts,
    relyingParties: stores.relyingParties,
    codes,
    phoneChallenges,
    throttle,
    totp,
    credentials: stores.credentials,
    audit: stores.audit,
    acrValues,
    clock,
  });
  const loginStep = createLoginStep({
    provider,
    views,
    csrf,
    relyingParties: stores.relyingParties,
    signInWithPassword,
    registryAllowsLogin,
    throttle,
    audit: stores.audit,
    assurance: assuranceStep,
  });
  const passkeyStep = createPasskeyStep({ provider, passkeys, accounts: stores.accounts, registryAllowsLogin, csrf, audit: stores.audit, loginStep, assurance: assuranceStep });
  const interactions = createInteractionRouter({
    provider,
    csrf,
    audit: stores.audit,
    maxFormBytes: config.http.maxFormBytes,
    assuranceStep,
    loginStep,
    passkeyStep,
    consentStep: createConsentStep({
      provider,
      views,
      csrf,
      relyingParties: stores.relyingParties,
      accounts: stores.accounts,
      consents: stores.consents,
      audit: stores.audit,
    }),
  });

  provider.use(requestIdMiddleware());
  provider.use(securityHeadersMiddleware({ hsts: config.env === 'production' }));
  provider.use(localeMiddleware(config.i18n.defaultLocale));
  provider.use(errorMiddleware(views, logger));
  provider.use(backendOutageMiddleware(logger));
  provider.use(createHealthRouter(stores, metrics).routes());
  provider.use(mount('/static/vendor/simplewebauthn', serveStatic(webAuthnBrowserDir, { maxage: 3600_000, index: false })));
  provider.use(mount('/static', serveStatic(path.join(viewsDir, 'static'), { maxage: 3600_000, index: false })));
  provider.use(interactions.routes());
  provider.use(interactions.allowedMethods());
  const startLimits = {
    perTarget: createRateLimit(stores.failureCounters, phoneFlowStartRules.perTarget, clock),
    perAddress: createRateLimit(stores.failureCounters, phoneFlowStartRules.perAddress, clock),
  };
  const phoneFlows = { enrollment, recovery, phoneChallenges, views, csrf, maxFormBytes: config.http.maxFormBytes, flowTtlSeconds: codes.rules.flowTtlSeconds, startLimits };
  for (const router of createPhoneFlowRouters(phoneFlows)) {
    provider.use(router.routes());
  }
  const accountArea = createAccountAreaRouter({
    provider,
    issuer: config.issuer,
    views,
    csrf,
    accounts: stores.accounts,
    credentials: stores.credentials,
    protocolState: stores.protocolState,
    passkeys,
    totp,
    audit: stores.audit,
    acrValues,
    maxFormBytes: config.http.maxFormBytes,
    approvals: backChannelSignIn,
    simulateUpgrade: chipTrust.developmentSigner && createDevelopmentUpgradeSimulator({ signer: chipTrust.developmentSigner, registry, upgrade: identityUpgrade }),
  });
  provider.use(accountArea.routes());
  provider.use(createIdentityUpgradeApi({ provider, accounts: stores.accounts, upgrade: identityUpgrade }).routes());
  const relyingPartyRegistry = createRelyingPartyRegistry({ store: stores.relyingParties, audit: stores.audit, rules: { production: config.env === 'production' } });
  const desk = createDeskRouter({
    relyingPartyRegistry: { ...relyingPartyRegistry, list: () => stores.relyingParties.list() },
    provider,
    issuer: config.issuer,
    views,
    csrf,
    accounts: stores.accounts,
    staff: stores.staff,
    registry,
    protocolState: stores.protocolState,
    upgrade: identityUpgrade,
    audit: stores.audit,
    acrValues,
    maxFormBytes: config.http.maxFormBytes,
  });
  provider.use(desk.routes());
  if (sms instanceof DevelopmentSmsOutbox) provider.use(createDevelopmentOutboxRouter(sms, views).routes());
  if (demo) {
    const portal = createDemoPortalRouter({ config, views, portal: demo.portal });
    provider.use(portal.routes());
  }

  backChannelLogout.start();
  return {
    app: provider,
    provider,
    config,
    logger,
    stores,
    keyRing,
    demo,
    notices,
    sms,
    registry,
    metrics,
    identityUpgrade,
    faceMatcher,
    /** The synthetic Document Signer trusted outside production (CHIP_DEVELOPMENT_ISSUER), for /dev/chip. */
    developmentChipSigner: chipTrust.developmentSigner,
    backChannelLogout,
    async close() {
      await backChannelLogout.stop();
      await stores.close();
    },
  };
}

export type DinhDanh = Awaited<ReturnType<typeof composeOnStores>>;
