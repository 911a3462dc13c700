/**
 * pkijs needs a WebCrypto engine; Node's is the platform's (no polyfill). Imported once by every module that
 * uses pkijs, so the engine is set before the first signature is checked.
 */
import * as pkijs from 'pkijs';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: globalThis.crypto }));

export { pkijs };
