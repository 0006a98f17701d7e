/** One HTTP/1.1 response as read off the wire. */
export interface Http1Response {
  status: number;
  /** names lower-cased; a repeated header (set-cookie) becomes an array */
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** the server asked to close (Connection: close, or HTTP/1.0 without keep-alive) */
  close: boolean;
  /** seconds from `Keep-Alive: timeout=N`, when the server says how long it keeps an idle connection */
  keepAliveSeconds: number | null;
}

export class Http1ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Http1ParseError';
  }
}

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** A response head larger than this is not a broker talking. */
const MAX_HEAD_BYTES = 64 * 1024;

type BodyMode = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'until-close' };

/**
 * Incremental parser for one response on a keep-alive connection: bytes go in as they arrive, a
 * whole response comes out, and what follows it is handed on (`takeLeftover`). Handles Content-Length, chunked
 * transfer encoding and read-until-close bodies, skips interim 1xx responses, and knows which
 * responses have no body (HEAD, 204, 304).
 */
export class Http1ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private head: Omit<Http1Response, 'body'> | null = null;
  private mode: BodyMode = { kind: 'none' };
  private parts: Buffer[] = [];
  /** inside a chunked body: bytes of the current chunk still to read, or -1 for the next size line, -2 for trailers */
  private chunkLeft = -1;

  constructor(private readonly headRequest: boolean) {}

  /** Feed bytes; returns the response once it is complete, else null. */
  push(data: Buffer): Http1Response | null {
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    for (;;) {
      if (!this.head) {
        const end = this.buf.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buf.length > MAX_HEAD_BYTES) throw new Http1ParseError('response head too large');
          return null;
        }
        const head = this.parseHead(this.buf.subarray(0, end).toString('latin1'));
        this.buf = this.buf.subarray(end + 4);
        // Interim answers (100 Continue, 103 Early Hints) precede the real one.
        if (head.status >= 100 && head.status < 200) continue;
        this.head = head;
      }
      return this.readBody();
    }
  }

  /** The peer closed the connection: completes a read-until-close body, else the response was cut off. */
  end(): Http1Response | null {
    if (this.head && this.mode.kind === 'until-close') {
      this.parts.push(this.buf);
      return this.finish();
    }
    return null;
  }

  /**
   * Bytes received beyond the completed response: the start of the answer to the next request
   * written on the same connection (pipelining), or bytes nobody asked for.
   */
  takeLeftover(): Buffer {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  private parseHead(text: string): Omit<Http1Response, 'body'> {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) throw new Http1ParseError(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
    const headers: Record<string, string | string[]> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Http1ParseError(`bad header line: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    const status = Number(m[2]);
    const connection = String(headers.connection ?? '').toLowerCase();
    const http10 = m[1] === '0';
    const close = connection.includes('close') || (http10 && !connection.includes('keep-alive'));
    const ka = /timeout=(\d+)/i.exec(String(headers['keep-alive'] ?? ''));
    if (status >= 200) this.mode = this.bodyMode(status, headers);
    return { status, headers, close, keepAliveSeconds: ka ? Number(ka[1]) : null };
  }

  private bodyMode(status: number, headers: Record<string, string | string[]>): BodyMode {
    if (this.headRequest || status === 204 || status === 304) return { kind: 'none' };
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    if (te.includes('chunked')) return { kind: 'chunked' };
    const cl = headers['content-length'];
    if (cl !== undefined) {
      const n = Number(Array.isArray(cl) ? cl[0] : cl);
      if (!Number.isSafeInteger(n) || n < 0) throw new Http1ParseError(`bad content-length: ${String(cl)}`);
      return { kind: 'length', remaining: n };
    }
    return { kind: 'until-close' };
  }

  private readBody(): Http1Response | null {
    const mode = this.mode;
    switch (mode.kind) {
      case 'none':
        return this.finish();
      case 'until-close':
        return null;
      case 'length': {
        const take = Math.min(mode.remaining, this.buf.length);
        if (take > 0) {
          this.parts.push(this.buf.subarray(0, take));
          this.buf = this.buf.subarray(take);
          mode.remaining -= take;
        }
        return mode.remaining === 0 ? this.finish() : null;
      }
      case 'chunked':
        return this.readChunks();
    }
  }

  private readChunks(): Http1Response | null {
    for (;;) {
      if (this.chunkLeft === -1) {
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) return null;
        // The size may carry extensions after ';'; they mean nothing to us.
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1').split(';')[0] as string, 16);
        if (!Number.isSafeInteger(size) || size < 0) throw new Http1ParseError('bad chunk size');
        this.buf = this.buf.subarray(eol + 2);
        this.chunkLeft = size === 0 ? -2 : size;
      } else if (this.chunkLeft === -2) {
        // Trailers, ended by an empty line.
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) return null;
        this.buf = this.buf.subarray(eol + 2);
        if (eol === 0) return this.finish();
      } else {
        // Chunk data, then its CRLF.
        if (this.buf.length < this.chunkLeft + 2) {
          if (this.buf.length > 0 && this.buf.length <= this.chunkLeft) {
            this.parts.push(this.buf);
            this.chunkLeft -= this.buf.length;
            this.buf = Buffer.alloc(0);
          }
          return null;
        }
        this.parts.push(this.buf.subarray(0, this.chunkLeft));
        this.buf = this.buf.subarray(this.chunkLeft + 2);
        this.chunkLeft = -1;
      }
    }
  }

  private finish(): Http1Response {
    const head = this.head as Omit<Http1Response, 'body'>;
    const body = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    return { ...head, body };
  }
}
