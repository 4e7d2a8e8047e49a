"""What operators watch: Prometheus metrics (`metrics.Metrics`, served by `exporter.MetricsExporter` on
METRICS_PORT) and short alerts to the editors' chat (`alerts.Alerts`, ALERT_CHAT_ID)."""
