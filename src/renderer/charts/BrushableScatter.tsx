import { useRef, useState, type PointerEvent } from 'react';
import { categoryColors } from './AttributionCharts';
import { normalizeBox, type Box, type SelectedFeature } from './attribution-view';

// RelIE × RelDec scatter drawn in SVG so a drag can select a rectangle of features (the brush). The
// scales are ours, so a pointer position maps to data coordinates without asking the chart library.

const width = 360;
const height = 260;
const margin = { left: 40, right: 12, top: 12, bottom: 36 };
const plotW = width - margin.left - margin.right;
const plotH = height - margin.top - margin.bottom;
const sx = (v: number): number => margin.left + v * plotW;
const sy = (v: number): number => margin.top + (1 - v) * plotH;
const ticks = [0, 0.25, 0.5, 0.75, 1];

export function BrushableScatter({
  features,
  label,
  box,
  brushed,
  onBrush,
}: {
  features: SelectedFeature[];
  label: string;
  box: Box | null;
  brushed: ReadonlySet<number>;
  onBrush: (box: Box | null) => void;
}) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Box | null>(null);
  const points = features.filter((f) => f.relIEShare !== null && f.relDecShare !== null);

  const toData = (event: PointerEvent): { x: number; y: number } => {
    const rect = svg.current!.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * width;
    const py = ((event.clientY - rect.top) / rect.height) * height;
    return { x: (px - margin.left) / plotW, y: 1 - (py - margin.top) / plotH };
  };
  const onDown = (event: PointerEvent): void => {
    const p = toData(event);
    svg.current?.setPointerCapture(event.pointerId);
    setDrag({ x0: p.x, x1: p.x, y0: p.y, y1: p.y });
  };
  const onMove = (event: PointerEvent): void => {
    if (drag === null) return;
    const p = toData(event);
    setDrag({ ...drag, x1: p.x, y1: p.y });
  };
  const onUp = (): void => {
    if (drag === null) return;
    const b = normalizeBox(drag);
    setDrag(null);
    // A click without a drag clears the brush.
    onBrush(b.x1 - b.x0 < 0.01 && b.y1 - b.y0 < 0.01 ? null : b);
  };
  const shown = drag === null ? box : normalizeBox(drag);

  return (
    <figure className="chart" data-testid="attribution-scatter" data-points={points.length}>
      <figcaption>RelIE × RelDec ({label}) — drag to select features for an annotation queue</figcaption>
      <svg
        ref={svg}
        className="brush-scatter"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`RelIE against RelDec for ${points.length} features`}
        onPointerDown={onDown}
        onPointerMove={onMove}
        onPointerUp={onUp}
      >
        <rect x={margin.left} y={margin.top} width={plotW} height={plotH} className="brush-plot" />
        {ticks.map((t) => (
          <g key={t}>
            <line x1={sx(t)} x2={sx(t)} y1={margin.top} y2={margin.top + plotH} className="brush-grid" />
            <line x1={margin.left} x2={margin.left + plotW} y1={sy(t)} y2={sy(t)} className="brush-grid" />
            <text x={sx(t)} y={height - 20} textAnchor="middle" className="brush-tick">
              {t}
            </text>
            <text x={margin.left - 6} y={sy(t) + 4} textAnchor="end" className="brush-tick">
              {t}
            </text>
          </g>
        ))}
        <text x={margin.left + plotW / 2} y={height - 4} textAnchor="middle" className="brush-tick">
          RelDec
        </text>
        <text
          x={12}
          y={margin.top + plotH / 2}
          textAnchor="middle"
          transform={`rotate(-90 12 ${margin.top + plotH / 2})`}
          className="brush-tick"
        >
          RelIE
        </text>
        {points.map((f) => (
          <circle
            key={f.feature}
            cx={sx(f.relDecShare!)}
            cy={sy(f.relIEShare!)}
            r={brushed.has(f.feature) ? 5 : 3.5}
            fill={categoryColors[f.category]}
            className={brushed.has(f.feature) ? 'brush-point brushed' : 'brush-point'}
            data-feature={f.feature}
          >
            <title>
              {`feature ${f.feature} · ${f.category} · RelIE ${f.relIEShare!.toFixed(2)} · RelDec ${f.relDecShare!.toFixed(2)}`}
            </title>
          </circle>
        ))}
        {shown !== null && (
          <rect
            data-testid="brush-box"
            x={sx(shown.x0)}
            y={sy(shown.y1)}
            width={(shown.x1 - shown.x0) * plotW}
            height={(shown.y1 - shown.y0) * plotH}
            className="brush-box"
          />
        )}
      </svg>
    </figure>
  );
}
