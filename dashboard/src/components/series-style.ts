/**
 * How series are told apart without relying on colour: each has a colour from a palette safe for colour
 * blindness (Okabe–Ito) *and* a fill pattern, and legends list them in the order they are stacked.
 */
const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#999999'];
const patternNames = ['solid', 'diagonal', 'dots', 'horizontal', 'cross', 'vertical', 'back-diagonal', 'grid', 'sparse-dots'] as const;

export interface SeriesStyle {
  colour: string;
  pattern: (typeof patternNames)[number];
}

export function seriesStyle(index: number): SeriesStyle {
  return { colour: palette[index % palette.length]!, pattern: patternNames[index % patternNames.length]! };
}

/** A repeating fill for canvas drawing: the series colour, light, with its pattern drawn over it. */
export function seriesFill(context: CanvasRenderingContext2D, style: SeriesStyle, scale = 1): CanvasPattern | string {
  const size = Math.round(8 * scale);
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const pen = tile.getContext('2d');
  if (!pen) return style.colour;
  pen.fillStyle = `${style.colour}99`;
  pen.fillRect(0, 0, size, size);
  pen.strokeStyle = '#ffffffdd';
  pen.fillStyle = '#ffffffdd';
  pen.lineWidth = Math.max(1, scale);
  const line = (x1: number, y1: number, x2: number, y2: number) => {
    pen.beginPath();
    pen.moveTo(x1, y1);
    pen.lineTo(x2, y2);
    pen.stroke();
  };
  switch (style.pattern) {
    case 'solid':
      pen.fillStyle = style.colour;
      pen.fillRect(0, 0, size, size);
      break;
    case 'diagonal':
      line(0, size, size, 0);
      line(-size / 2, size / 2, size / 2, -size / 2);
      line(size / 2, size * 1.5, size * 1.5, size / 2);
      break;
    case 'back-diagonal':
      line(0, 0, size, size);
      line(-size / 2, size / 2, size / 2, size * 1.5);
      line(size / 2, -size / 2, size * 1.5, size / 2);
      break;
    case 'dots':
    case 'sparse-dots':
      pen.beginPath();
      pen.arc(size / 2, size / 2, (style.pattern === 'dots' ? 1.6 : 1) * scale, 0, Math.PI * 2);
      pen.fill();
      break;
    case 'horizontal':
      line(0, size / 2, size, size / 2);
      break;
    case 'vertical':
      line(size / 2, 0, size / 2, size);
      break;
    case 'cross':
      line(0, 0, size, size);
      line(0, size, size, 0);
      break;
    case 'grid':
      line(0, size / 2, size, size / 2);
      line(size / 2, 0, size / 2, size);
      break;
    default: {
      const exhaustive: never = style.pattern;
      return exhaustive;
    }
  }
  return context.createPattern(tile, 'repeat') ?? style.colour;
}
