import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Short-lived signed download links for CSV exports. A link carries what to export and when it
 * expires, signed with HMAC-SHA256; nothing is stored. The bot serves GET /exports?token=<token>; a
 * wrong, tampered or expired token gets 404, like a link that never existed.
 */
export const LINK_LIFETIME_MS = 15 * 60 * 1000;

const claimsSchema = z.object({
  kind: z.string().max(40),
  params: z.record(z.string().max(100)),
  exp: z.number().int(),
  by: z.string().max(64).optional(),
});
type Claims = z.infer<typeof claimsSchema>;

export interface ExportFile {
  filename: string;
  csv: string;
}

export type ExportGenerator = (params: Record<string, string>) => Promise<ExportFile>;

/** A file served for a valid link: which export, with what, and who asked for the link (their Entra object id). */
export interface ExportDownload {
  kind: string;
  params: Record<string, string>;
  by?: string;
}

export class ExportLinks {
  private readonly generators = new Map<string, ExportGenerator>();
  /** The first key signs; every key verifies (the previous one stays valid while a rotation finishes). */
  private readonly keys: Buffer[];

  constructor(
    private readonly baseUrl: () => string,
    private readonly now: () => Date = () => new Date(),
    keys?: Buffer | Buffer[],
  ) {
    // Without configured keys, a per-process key: links die with the process (local use only).
    const given = keys === undefined ? [] : Array.isArray(keys) ? keys : [keys];
    this.keys = given.length > 0 ? given : [randomBytes(32)];
  }

  /** Told of every file served (the audit trail records the download); its failure never stops the download. */
  onDownload?: (download: ExportDownload) => Promise<void>;

  register(kind: string, generator: ExportGenerator): void {
    this.generators.set(kind, generator);
  }

  /**
   * A signed link. `by` is the Entra object id of the person it is made for: it is signed into the
   * link, so the download is recorded against them (the link itself carries no name).
   */
  link(kind: string, params: Record<string, string> = {}, by?: string): { url: string; expiresAt: Date } {
    const exp = this.now().getTime() + LINK_LIFETIME_MS;
    const payload = Buffer.from(JSON.stringify({ kind, params, exp, ...(by ? { by } : {}) } satisfies Claims)).toString(
      'base64url',
    );
    return {
      url: `${this.baseUrl().replace(/\/$/, '')}/exports?token=${payload}.${this.sign(payload)}`,
      expiresAt: new Date(exp),
    };
  }

  /** The file for a token, or undefined for any token that is not valid now. */
  async resolve(token: string): Promise<ExportFile | undefined> {
    const [payload, signature] = token.split('.');
    if (!payload || !signature) return undefined;
    const given = Buffer.from(signature);
    const signedByOneOfOurs = this.keys.some((key) => {
      const expected = Buffer.from(this.sign(payload, key));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signedByOneOfOurs) return undefined;
    let claims: Claims;
    try {
      claims = claimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      return undefined;
    }
    if (claims.exp <= this.now().getTime()) return undefined;
    const generator = this.generators.get(claims.kind);
    if (!generator) return undefined;
    const file = await generator(claims.params);
    await this.onDownload?.({ kind: claims.kind, params: claims.params, by: claims.by }).catch(() => undefined);
    return file;
  }

  private sign(payload: string, key: Buffer = this.keys[0]!): string {
    return createHmac('sha256', key).update(payload).digest('base64url');
  }
}

/** How a link's lifetime is told to the person who asked for it, e.g. "until 14:35 (15 minutes)". */
export function linkLifetime(expiresAt: Date): string {
  return `until ${expiresAt.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' })} (${LINK_LIFETIME_MS / 60_000} minutes)`;
}

/** One CSV field: quoted when needed, and never starting with a character a spreadsheet would run as a formula. */
export function csvField(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  // = + - @ and their full-width forms (＝ ＋ － ＠, which spreadsheets read as the same), tab and
  // line breaks, also behind leading spaces (ideographic ones too).
  if (/^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\u2212]/.test(s) || /^[\t\r\n]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}
