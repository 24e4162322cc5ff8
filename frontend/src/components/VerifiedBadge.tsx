export function VerifiedBadge({ outlet }: { outlet?: string }) {
  const label = outlet ? `Verified journalist, ${outlet}` : "Verified journalist";
  return (
    <span className="badge-verified" title={label}>
      <span aria-hidden="true">✔</span> <span className="visually-hidden">{label}</span>
      <span aria-hidden="true">Verified</span>
    </span>
  );
}
