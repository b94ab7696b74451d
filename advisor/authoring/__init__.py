"""Tools for the experts who write rule files: rule tests (`rule_tests` and its helpers), thresholds as a
spreadsheet (`threshold_table`) and new overlays (`overlay_scaffold`)."""
