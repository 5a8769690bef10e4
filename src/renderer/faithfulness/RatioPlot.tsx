import type { RatioPoint } from './report-view';

// ν = β_c / β_home per feature, ascending, as a plain SVG strip (the scales are ours, so every point is
// an element that can be clicked and tested). Points above the threshold are flagged; ν is clipped to
// the top of the plot (the tooltip gives the value).

const width = 360;
const height = 220;
const margin = { left: 36, right: 10, top: 10, bottom: 28 };
const plotW = width - margin.left - margin.right;
const plotH = height - margin.top - margin.bottom;

export function RatioPlot({
  points,
  threshold,
  onOpen,
}: {
  points: readonly RatioPoint[];
  threshold: number;
  onOpen: (feature: number) => void;
}) {
  const top = Math.max(1.5, threshold * 1.5, Math.min(3, Math.max(0, ...points.map((p) => p.ratio))));
  const bottom = Math.min(0, ...points.map((p) => p.ratio));
  const sy = (v: number): number =>
    margin.top + (1 - (Math.min(top, Math.max(bottom, v)) - bottom) / (top - bottom)) * plotH;
  const sx = (i: number): number => margin.left + ((i + 0.5) / Math.max(1, points.length)) * plotW;
  const ticks = [bottom, 0, threshold, 1, top].filter((t, i, all) => all.indexOf(t) === i && t >= bottom);
  return (
    <figure className="chart chart--small" data-testid="faith-ratio-plot" data-points={points.length}>
      <figcaption>ν per feature (ascending); click a point to open the feature</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} className="faith-ratio" role="img" aria-label="ν per feature">
        <rect className="brush-plot" x={margin.left} y={margin.top} width={plotW} height={plotH} />
        {ticks.map((t) => (
          <g key={t}>
            <line className="brush-grid" x1={margin.left} x2={margin.left + plotW} y1={sy(t)} y2={sy(t)} />
            <text className="brush-tick" x={margin.left - 4} y={sy(t) + 3} textAnchor="end">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        <line
          className="faith-threshold"
          x1={margin.left}
          x2={margin.left + plotW}
          y1={sy(threshold)}
          y2={sy(threshold)}
        />
        <text className="brush-tick" x={margin.left + plotW} y={height - 8} textAnchor="end">
          features
        </text>
        {points.map((p, i) => (
          <circle
            key={p.feature}
            className={p.isFlagged ? 'faith-point faith-point--flagged' : 'faith-point'}
            data-testid="faith-ratio-point"
            data-feature={p.feature}
            cx={sx(i)}
            cy={sy(p.ratio)}
            r={4}
            onClick={() => onOpen(p.feature)}
          >
            <title>
              #{p.feature} · {p.category ?? '—'} · ν {p.ratio.toFixed(3)}
              {p.isFlagged ? ' · exclusivity artifact' : ''}
            </title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
