/** The terminal's size, updated on 'resize' (Ink's own resize handling is off in CI, ours is not). */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** Piped or fake streams report no size: assume the classic 80x24. */
export function readSize(stdout: { columns?: number; rows?: number }): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => readSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(readSize(stdout));
    stdout.on('resize', onResize);
    onResize(); // the size may have changed between the first render and this effect
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
