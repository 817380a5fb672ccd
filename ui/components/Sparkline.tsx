/** A sparkline of `height` rows, exactly `width` columns wide (see sparkline.ts for the drawing rules). */
import { Box, Text } from 'ink';
import { sparklineRows } from './sparkline.js';

export interface SparklineProps {
  values: readonly (number | null)[];
  width: number;
  height?: number;
  ascii?: boolean;
  range?: [number, number] | null;
  color?: string;
}

export function Sparkline({ values, width, height = 1, ascii = false, range = null, color }: SparklineProps) {
  const rows = sparklineRows(values, width, height, { ascii, range });
  return (
    <Box flexDirection="column" width={width} height={height}>
      {rows.map((row, i) => (
        <Text key={i} color={color} wrap="truncate">
          {row}
        </Text>
      ))}
    </Box>
  );
}
