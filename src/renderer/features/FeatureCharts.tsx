import { TimelineSet, type TimelinePlotProps } from '../charts/AttributionCharts';
import type { FeatureTimeline, TimelinePoint } from '../charts/attribution-view';
import { compactTokens, linearScale, linePath, logScale, niceTicks, tickLabel } from './chart-geometry';
import { formatActivation } from './shading';

// The Features page's small charts as plain SVG, drawn in the same commit as the rest of the pane
// (no measuring, no chart library): a feature switch redraws a few dozen elements. The SVG scales
// with the pane's width (viewBox); values show on hover (<title>).

const figureStyle = { margin: 0 } as const;
const svgStyle = { width: '100%', height: 'auto', display: 'block', overflow: 'visible' } as const;
const textProps = { fill: 'currentColor', fillOpacity: 0.7, fontSize: 11 } as const;
const gridProps = { stroke: 'currentColor', strokeOpacity: 0.15 } as const;

/** A feature's lifecycle: signed IE, RelIE share and decoder norm per checkpoint. */
export function FeatureTimelines({ timeline }: { timeline: FeatureTimeline }) {
  return <TimelineSet timeline={timeline} Plot={TimelinePlot} />;
}

const plot = { width: 400, height: 140, left: 46, right: 14, top: 8, bottom: 34 };

/** One value per checkpoint over tokens seen (log axis) or checkpoint order. */
function TimelinePlot({ timeline, dataKey, title, color, testId, domain }: TimelinePlotProps) {
  const { width, height, left, right, top, bottom } = plot;
  const points = timeline.points;
  const values = points.map((p) => p[dataKey]).filter((v): v is number => v !== null);
  const yTicks = domain
    ? niceTicks(domain[0], domain[1], 5)
    : niceTicks(Math.min(...values), Math.max(...values));
  const y = linearScale([yTicks[0]!, yTicks.at(-1)!], [height - bottom, top]);
  const isLog = timeline.axis === 'tokens';
  const xs = points.map((p) => p.x);
  // Inset like the Attribution page's charts, so the end points are not on the frame.
  const xRange = [left + 12, width - right - 16] as const;
  const x = isLog
    ? logScale([Math.min(...xs), Math.max(...xs)], xRange)
    : linearScale([1, Math.max(...xs)], xRange);
  const label = (p: TimelinePoint): string => (isLog ? compactTokens(p.x) : p.revision);
  const drawn = points.map((p) => ({ point: p, x: x(p.x), y: p[dataKey] === null ? null : y(p[dataKey]) }));
  return (
    <figure className="fp-chart" style={figureStyle} data-testid={testId} data-points={values.length}>
      <figcaption className="muted small">{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} style={svgStyle} role="img" aria-label={title}>
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} {...gridProps} strokeDasharray="3 3" />
            <text x={left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle" {...textProps}>
              {tickLabel(t)}
            </text>
          </g>
        ))}
        {drawn.map((d) => (
          <text key={d.point.index} x={d.x} y={height - bottom + 14} textAnchor="middle" {...textProps}>
            {label(d.point)}
          </text>
        ))}
        <text x={(left + width - right) / 2} y={height - 4} textAnchor="middle" {...textProps}>
          {isLog ? 'tokens seen (log)' : 'checkpoint'}
        </text>
        <path d={linePath(drawn)} fill="none" stroke={color} strokeWidth={1.5} />
        {drawn.map((d) =>
          d.y === null ? null : (
            <circle key={d.point.index} cx={d.x} cy={d.y} r={4} fill={color} data-testid="timeline-dot">
              <title>{`${d.point.revision}: ${tickLabel(d.point[dataKey]!)}`}</title>
            </circle>
          ),
        )}
      </svg>
    </figure>
  );
}

const bars = { width: 400, height: 100, left: 34, right: 6, top: 6, bottom: 18 };

/** The activation histogram: one bar per bin, every tenth bin labelled by its lower edge. */
export function ActivationHistogram({
  bins,
  rows,
}: {
  bins: ReadonlyArray<{ low: number; high: number; label: string; count: number }>;
  rows: number;
}) {
  const { width, height, left, right, top, bottom } = bars;
  const yTicks = niceTicks(0, Math.max(1, ...bins.map((b) => b.count)), 3).map(Math.round);
  const y = linearScale([0, yTicks.at(-1)!], [height - bottom, top]);
  const step = (width - left - right) / Math.max(1, bins.length);
  return (
    <figure className="fp-chart fp-histogram" style={figureStyle} data-bars={bins.length}>
      <figcaption className="muted small">
        Activations when firing ({rows.toLocaleString()} tokens sampled)
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} style={svgStyle} role="img" aria-label="Activation histogram">
        {[...new Set(yTicks)].map((t) => (
          <g key={t}>
            <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} {...gridProps} />
            <text
              x={left - 6}
              y={y(t)}
              textAnchor="end"
              dominantBaseline="middle"
              {...textProps}
              fontSize={10}
            >
              {t}
            </text>
          </g>
        ))}
        {bins.map((b, i) => (
          <g key={i}>
            <rect x={left + i * step} y={y(b.count)} width={step} height={y(0) - y(b.count)} fill="#d08b2c">
              <title>{`${formatActivation(b.low)} – ${formatActivation(b.high)}: ${b.count} tokens`}</title>
            </rect>
            {i % 10 === 0 && (
              <text
                x={left + (i + 0.5) * step}
                y={height - 4}
                textAnchor="middle"
                {...textProps}
                fontSize={10}
              >
                {b.label}
              </text>
            )}
          </g>
        ))}
      </svg>
    </figure>
  );
}
