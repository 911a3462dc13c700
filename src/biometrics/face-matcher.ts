/**
 * Port to a face comparison service: the live selfie against the chip's DG2 portrait. DinhDanh does not do
 * biometrics itself; a certified service (ISO/IEC 30107-3 presentation-attack detection, tested accuracy)
 * does, behind this port.
 *
 *   HttpFaceMatcher                 POST {"reference","probe"} (base64; the reference is the ISO/IEC 19794-5
 *                                   record from DG2, the probe a JPEG) with a bearer token → {"match","score"}
 *   DevelopmentFaceMatcherNoBiometrics  compares NOTHING: accepts any JPEG. Its name says so, every answer says
 *                                   so, and production refuses it (src/config/production.ts).
 */
export interface FaceComparison {
  match: boolean;
  /** The service's similarity score, for the audit record. */
  score: number;
  /** Which service decided, as shown to staff and written to the audit log. */
  service: string;
}

export interface FaceMatcher {
  readonly service: string;
  compare(reference: Uint8Array, probe: Uint8Array): Promise<FaceComparison>;
}

/** The face service did not answer; nothing may be decided on it. */
export class FaceMatcherUnavailableError extends Error {
  override name = 'FaceMatcherUnavailableError';
}

const isJpeg = (bytes: Uint8Array) => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

export class DevelopmentFaceMatcherNoBiometrics implements FaceMatcher {
  readonly service = 'DEVELOPMENT face matcher: no face comparison is done (never for real identities)';

  async compare(_reference: Uint8Array, probe: Uint8Array): Promise<FaceComparison> {
    // Only the shape of the input is checked, so the API's error paths can still be exercised.
    return { match: isJpeg(probe), score: isJpeg(probe) ? 1 : 0, service: this.service };
  }
}

export class HttpFaceMatcher implements FaceMatcher {
  readonly service: string;

  constructor(private readonly options: { url: string; token: string; timeoutMs: number }) {
    this.service = `face service at ${new URL(options.url).host}`;
  }

  async compare(reference: Uint8Array, probe: Uint8Array): Promise<FaceComparison> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify({ reference: Buffer.from(reference).toString('base64'), probe: Buffer.from(probe).toString('base64') }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new FaceMatcherUnavailableError(`face service unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) throw new FaceMatcherUnavailableError(`face service answered ${response.status}`);
    const body = (await response.json().catch(() => undefined)) as { match?: unknown; score?: unknown } | undefined;
    if (typeof body?.match !== 'boolean' || typeof body.score !== 'number') throw new FaceMatcherUnavailableError('face service answered without match and score');
    return { match: body.match, score: body.score, service: this.service };
  }
}
