// The page's state in the URL hash, so that a teacher can send a link to a
// chapter with its controls set: `#surface?surface.w1=14,13,3&surface.lr=5`.
// The part before `?` is the chapter to scroll to; each key is
// `<chapter id>.<control>`. Only values that differ from a control's default
// are written, so links stay short. Changes replace the history entry (no
// new entry per keystroke, no jump).

function encode(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',');
}

class HashState {
  private anchor = '';
  private readonly params = new Map<string, string>();

  constructor() {
    this.read();
  }

  /** Reads the state from the address (on load, or after a pasted link). */
  read(): void {
    const raw = location.hash.slice(1);
    const q = raw.indexOf('?');
    this.anchor = decodeURIComponent(q < 0 ? raw : raw.slice(0, q));
    this.params.clear();
    if (q >= 0) {
      for (const pair of raw.slice(q + 1).split('&')) {
        if (!pair) continue;
        const eq = pair.indexOf('=');
        const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
        const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
        this.params.set(key, value);
      }
    }
  }

  get chapter(): string {
    return this.anchor;
  }

  get(key: string): string | null {
    return this.params.get(key) ?? null;
  }

  /** Sets `key`; a value equal to the default (or null) removes it. */
  set(key: string, value: string | number | null, fallback?: string | number): void {
    if (value === null || (fallback !== undefined && String(value) === String(fallback))) this.params.delete(key);
    else this.params.set(key, String(value));
    this.write();
  }

  setChapter(id: string): void {
    this.anchor = id;
    this.write();
  }

  /** The address of the page in its current state. */
  href(): string {
    return location.href;
  }

  private write(): void {
    const query = [...this.params].map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const hash = this.anchor || query ? `#${encode(this.anchor)}${query ? `?${query}` : ''}` : '';
    history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
  }
}

export const hashState = new HashState();

/** One chapter's controls in the hash, under `<chapter>.`. */
export class ChapterState {
  constructor(private readonly chapter: string) {}

  string(key: string, fallback: string, allowed?: readonly string[]): string {
    const value = hashState.get(`${this.chapter}.${key}`);
    if (value === null || (allowed && !allowed.includes(value))) return fallback;
    return value;
  }

  /** A number from the hash, or `fallback` when missing or outside [min, max]. */
  number(key: string, fallback: number, min = -Infinity, max = Infinity, integer = false): number {
    const raw = hashState.get(`${this.chapter}.${key}`);
    if (raw === null || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) return fallback;
    return value;
  }

  /** Integers separated by commas, e.g. `14,13,3`; `fallback` unless all are valid. */
  integers(key: string, fallback: number[], min: number[], max: number[]): number[] {
    const raw = hashState.get(`${this.chapter}.${key}`);
    if (raw === null) return fallback;
    const values = raw.split(',').map(Number);
    const ok = values.length === fallback.length && values.every((v, i) => Number.isInteger(v) && v >= min[i] && v <= max[i]);
    return ok ? values : fallback;
  }

  set(key: string, value: string | number | null, fallback?: string | number): void {
    hashState.set(`${this.chapter}.${key}`, value, fallback);
  }
}
