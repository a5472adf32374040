"""Port forwards that run: -L, -R and -D over a Session, with state, counters and reconnect."""

from sshdeck.core.tunnels.runner import TunnelEvent, TunnelSet, TunnelState, TunnelStatus
from sshdeck.core.tunnels.spec import ForwardSpecError, parse_forward

__all__ = ["ForwardSpecError", "TunnelEvent", "TunnelSet", "TunnelState", "TunnelStatus", "parse_forward"]
