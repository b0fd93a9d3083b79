"""The request lifecycle: async ops, terminal actions, paths to pauses.

``analysis.LifecycleAnalysis`` explores every handler and callback of a plugin
package once and records what the lifecycle rules (WG103-WG107, ...) report.
"""
