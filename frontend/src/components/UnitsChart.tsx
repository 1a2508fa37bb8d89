import type { Schemas } from '../api/client';
import { formatUnits } from '../lib/odds';

type Point = Schemas['UnitsPoint'];

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 8, bottom: 12, left: 8 };

/** Cumulative units by day as an SVG line, with the zero line; the figure's text says what it shows. */
export function UnitsChart({ points }: { points: Point[] }) {
  if (points.length === 0) return <p className="muted">No graded picks yet, so no chart.</p>;
  const values = points.map((p) => Number(p.cumulative_units));
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const span = high - low || 1;
  const x = (i: number) =>
    PAD.left + (points.length === 1 ? 0.5 : i / (points.length - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + ((high - v) / span) * (HEIGHT - PAD.top - PAD.bottom);
  const path = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const first = points[0] as Point;
  const last = points[points.length - 1] as Point;
  const summary = `Units over time: ${formatUnits(last.cumulative_units)} units after ${points.length} days with graded picks, from ${first.day} to ${last.day}; lowest ${formatUnits(String(Math.min(...values).toFixed(2)))}, highest ${formatUnits(String(Math.max(...values).toFixed(2)))}.`;
  // The SVG stretches to any width (non-scaling strokes); its labels are HTML so they never stretch with it.
  return (
    <figure className="units-chart">
      <div className="plot">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="none">
          <line className="zero" x1={0} x2={WIDTH} y1={y(0)} y2={y(0)} />
          <path className={Number(last.cumulative_units) >= 0 ? 'up' : 'down'} d={path} />
        </svg>
        <span className="y-label top" aria-hidden="true">
          {formatUnits(high.toFixed(2))}
        </span>
        <span className="y-label bottom" aria-hidden="true">
          {formatUnits(low.toFixed(2))}
        </span>
      </div>
      <figcaption>
        <span>{first.day}</span>
        <span>Units won over time, by day graded (UTC); dashed line: 0</span>
        <span>{last.day}</span>
      </figcaption>
    </figure>
  );
}
