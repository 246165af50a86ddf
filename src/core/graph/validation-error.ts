/** One validation problem; `path` is a JSON Pointer (RFC 6901) into the graph JSON (SPEC §8). */
export interface ValidationError {
  path: string;
  message: string;
}
