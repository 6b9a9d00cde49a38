// Files imported `with { type: "file" }` (src/web/assets.ts): Bun gives their path as a string.
declare module "*.min.js" {
  const path: string;
  export default path;
}
declare module "*/static/live.js" {
  const path: string;
  export default path;
}
declare module "*/static/connection.js" {
  const path: string;
  export default path;
}
declare module "*/static/chart-theme.js" {
  const path: string;
  export default path;
}
declare module "*/static/coin-chart.js" {
  const path: string;
  export default path;
}
declare module "*/static/performance-charts.js" {
  const path: string;
  export default path;
}
declare module "*/lightweight-charts.standalone.production.js" {
  const path: string;
  export default path;
}
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "*.json.gz" {
  const path: string;
  export default path;
}
