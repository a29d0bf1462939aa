import { useEffect, useMemo, useRef } from 'preact/hooks';

/**
 * A stable function that runs `task` at most once per interval; calls in between collapse into
 * one trailing run, so a burst of stream messages costs one request, not one each.
 */
export function useThrottled(task: () => void, intervalMs: number): () => void {
  const latest = useRef(task);
  latest.current = task;
  const throttled = useMemo(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      timer = undefined;
      last = Date.now();
      latest.current();
    };
    const run = () => {
      if (timer !== undefined) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    };
    return { run, cancel: () => clearTimeout(timer) };
  }, [intervalMs]);
  useEffect(() => throttled.cancel, [throttled]);
  return throttled.run;
}
