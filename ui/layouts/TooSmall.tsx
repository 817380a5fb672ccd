/** Shown instead of the dashboard when the terminal is smaller than ui/layout.ts's minimum. */
import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from '../layout.js';

export function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  const lines = [`too small: ${columns}x${rows}`, `need ${MIN_COLUMNS}x${MIN_ROWS}`, 'q: save + quit'];
  return (
    <Box width={columns} flexDirection="column" overflow="hidden">
      {lines.slice(0, Math.max(1, rows - 1)).map((l) => (
        <Text key={l} wrap="truncate">
          {l}
        </Text>
      ))}
    </Box>
  );
}
