import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PagedList<T> {
  items: T[];
  loaded: boolean;
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  more: () => void;
  /** Reads again as many pages as are shown, so a refresh never shortens the list. */
  refresh: () => void;
}

/** A cursor-paged list of the API: the first page at once, more on request, refreshed in place. */
export function usePagedList<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, key: string): PagedList<T> {
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;
  const [state, setState] = useState({
    items: [] as T[],
    next: null as string | null,
    loaded: false,
    loading: true,
    error: null as unknown,
  });
  const pages = useRef(1);
  // Only the latest read may write the state: an older answer would bring back an older list.
  const version = useRef(0);

  const read = useCallback(async (count: number) => {
    const mine = ++version.current;
    setState((previous) => ({ ...previous, loading: true }));
    try {
      const items: T[] = [];
      let next: string | null = null;
      for (let index = 0; index < count; index += 1) {
        const page = await fetcher.current(next ?? undefined);
        items.push(...page.items);
        next = page.nextCursor;
        if (next === null) break;
      }
      if (mine === version.current) setState({ items, next, loaded: true, loading: false, error: null });
    } catch (error) {
      if (mine === version.current) setState((previous) => ({ ...previous, loading: false, error }));
    }
  }, []);

  useEffect(() => {
    pages.current = 1;
    setState({ items: [], next: null, loaded: false, loading: true, error: null });
    void read(1);
  }, [key, read]);

  const refresh = useCallback(() => void read(pages.current), [read]);

  const more = useCallback(() => {
    const cursor = state.next;
    if (cursor === null) return;
    const mine = ++version.current;
    setState((previous) => ({ ...previous, loading: true }));
    fetcher.current(cursor).then(
      (page) => {
        if (mine !== version.current) return;
        pages.current += 1;
        setState((previous) => ({
          ...previous,
          items: [...previous.items, ...page.items],
          next: page.nextCursor,
          loading: false,
          error: null,
        }));
      },
      (error: unknown) => {
        if (mine === version.current) setState((previous) => ({ ...previous, loading: false, error }));
      },
    );
  }, [state.next]);

  return {
    items: state.items,
    loaded: state.loaded,
    loading: state.loading,
    error: state.error,
    hasMore: state.next !== null,
    more,
    refresh,
  };
}
