/** The query string of a request URL, `?` included; empty when there is none. */
export function queryOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index);
}
