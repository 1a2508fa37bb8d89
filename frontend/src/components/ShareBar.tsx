// One side's share of the picks on a market, as a labelled meter (the game page's consensus, a league's split).
export function ShareBar({ name, share, label }: { name: string; share: number; label: string }) {
  const percent = Math.round(share * 100);
  return (
    <div className="bar-row">
      <span className="bar-label">{name}</span>
      <div
        className="bar"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="fill" style={{ width: `${share * 100}%` }} />
      </div>
      <span className="bar-value">{percent}%</span>
    </div>
  );
}
