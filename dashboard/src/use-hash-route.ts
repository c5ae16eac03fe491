import { useEffect, useState } from 'preact/hooks';

/**
 * The view named in the URL's hash (`#/cost`) and what follows a `?` there (`#/compare?runs=a,b`, the
 * view's own state), so views can be bookmarked and shared and the back button works.
 */
export function useHashRoute(fallback: string): [string, (route: string, query?: string) => void, string] {
  const read = () => window.location.hash.replace(/^#\/?/, '');
  const [hash, setHash] = useState(read);
  useEffect(() => {
    const onChange = () => setHash(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const mark = hash.indexOf('?');
  const route = (mark === -1 ? hash : hash.slice(0, mark)) || fallback;
  const query = mark === -1 ? '' : hash.slice(mark + 1);
  return [route, (next, nextQuery = '') => (window.location.hash = `#/${next}${nextQuery === '' ? '' : `?${nextQuery}`}`), query];
}
