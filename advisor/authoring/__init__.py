"""Tools for the experts who write rule files: rule tests (`rule_tests` runs them; `rule_test_files` reads them,
`rule_test_results` judges a plan against one, `rule_test_explain` says why, `rule_test_supersede` lets an overlay
overrule a default test, `rule_test_report` writes text, JSON or JUnit), thresholds as a spreadsheet
(`threshold_table` exports, `threshold_import` reads back) and new overlays (`overlay_scaffold`)."""
