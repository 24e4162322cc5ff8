import { useId } from "react";
import { t } from "../lib/i18n";
import { type Level, qualityOptions } from "../lib/quality";

type Props = { levels: Level[]; chosen: number; playing: number; onChoose: (value: number) => void };

export function QualityMenu({ levels, chosen, playing, onChoose }: Props) {
  const id = useId();
  if (levels.length < 2) return null;
  return (
    <span className="quality-menu player-menu">
      <label htmlFor={id}>{t("Quality")}</label>
      <select id={id} value={chosen} onChange={(e) => onChoose(Number(e.target.value))}>
        {qualityOptions(levels, playing).map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </span>
  );
}
