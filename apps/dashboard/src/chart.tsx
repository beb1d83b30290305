import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartType,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

/** Same stack as --font in styles.css. */
export const FONT = 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

// Only what the two charts use, so the bundle stays small (Chart.js is tree-shakable when registered by hand).
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);
Chart.defaults.font.family = FONT;
Chart.defaults.color = '#475569';
Chart.defaults.borderColor = '#e2e8f0';

export const PALETTE = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#64748b'];

const reducedMotion = () => typeof window.matchMedia === 'function' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/** A Chart.js canvas: made once, updated in place when the config changes, destroyed on unmount. */
export function ChartCanvas<T extends ChartType>({
  config,
  label,
  height = 320,
}: {
  config: ChartConfiguration<T>;
  label: string;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<T> | null>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const animation = reducedMotion() ? false : { duration: 300 };
    const options = { ...config.options, animation, responsive: true, maintainAspectRatio: false } as ChartConfiguration<T>['options'];
    if (chart.current && (chart.current.config as { type?: string }).type === config.type) {
      chart.current.data = config.data;
      chart.current.options = options as NonNullable<typeof options>;
      chart.current.update();
    } else {
      chart.current?.destroy();
      chart.current = new Chart(el, { ...config, options });
    }
    el.dataset.points = String(config.data.datasets.reduce((n, d) => n + d.data.length, 0));
  }, [config]);
  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = null;
    },
    [],
  );
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
