/**
 * The shapes a model download shares across layers: the sink its bytes go into, the progress it reports and the
 * file it yields. Types only: src/data/hub-download.ts downloads into a DownloadSink, src/storage keeps one in
 * IndexedDB and src/cli one on disk (storage may not import src/data, so these live here).
 */

/** Where downloaded bytes go; keeps what it has across retries (and, for persistent sinks, across restarts). */
export interface DownloadSink {
  /** bytes already held from an earlier attempt (0 = start afresh) */
  stored(): Promise<number>
  /** the held bytes, in order, in pieces (re-hashed when a download resumes) */
  readStored(): AsyncIterable<Uint8Array>
  /** appends bytes (a sink may keep the array until it flushes: the caller does not reuse it) */
  write(chunk: Uint8Array): Promise<void>
  /** discards everything held */
  reset(): Promise<void>
  /** the download is complete and verified: make the bytes the file with this sha256 (64 hex) */
  commit(sha256: string): Promise<void>
}

/** Progress of a multi-file download; emitted after every network chunk (the caller throttles). */
export interface ModelDownloadProgress {
  /** the file being downloaded (or, for a cached one, checked) */
  readonly path: string
  /** bytes of that file held so far */
  readonly fileLoaded: number
  /** that file's size, bytes */
  readonly fileTotal: number
  /** bytes held so far over all files (cached files count in full) */
  readonly loaded: number
  /** bytes in all files */
  readonly total: number
  /** average speed of the current file's download, bytes per second (0 until measurable) */
  readonly bytesPerSecond: number
  /** estimated seconds left for all files at that speed; undefined while the speed is unknown */
  readonly etaSeconds: number | undefined
}

/** A finished (or already held) download. */
export interface DownloadedFile {
  /** the file's path in the repo */
  readonly path: string
  /** sha256 of the bytes, 64 lowercase hex */
  readonly sha256: string
  /** length in bytes */
  readonly size: number
}
