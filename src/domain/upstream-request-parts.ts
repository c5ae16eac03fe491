/** What goes upstream for one attempt: where, with which headers, and the body as sent. */
export interface UpstreamRequestParts {
  url: string;
  headers: Record<string, string>;
  body: string;
}
