/**
 * The few control API v3 calls the gateway makes (MEDIAMTX.md §3), over loopback. Lists are paged
 * (100 items by default), so every page is read.
 */
export interface MtxPath {
  name: string;
  available: boolean;
  online: boolean;
  source: { type: string; id: string } | null;
  readers: Array<{ type: string; id: string }>;
  inboundBytes: number;
  outboundBytes: number;
  tracks2?: Array<{ codec: string }>;
}

interface MtxList<T> {
  pageCount: number;
  items: T[];
}

export class MediamtxApi {
  constructor(
    private readonly base: string,
    private readonly timeoutMs = 2000,
  ) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.base}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`MediaMTX API ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** GET /v3/info: the version string; a cheap health probe. */
  async info(): Promise<{ version: string }> {
    return this.get('/v3/info');
  }

  async paths(): Promise<MtxPath[]> {
    const out: MtxPath[] = [];
    for (let page = 0; ; page++) {
      const list = await this.get<MtxList<MtxPath>>(`/v3/paths/list?itemsPerPage=100&page=${page}`);
      out.push(...list.items);
      if (page + 1 >= list.pageCount) return out;
    }
  }
}
