package cmd

import (
	"net/netip"

	"github.com/dashbox/dashbox/server"
)

// proxyProtocolUsage is --proxy-protocol's help.
const proxyProtocolUsage = "accept the PROXY protocol (v1 or v2) from the load balancer at this `address` or network (such as 10.0.0.5 or 10.0.0.0/24) and log, --allow and limit logins by the client address it carries; its connections must send the header, a header from anyone else closes the connection; repeat for more (comma-separated in the environment)"

// proxySources parses --proxy-protocol's values.
func proxySources(values []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, v := range values {
		p, err := server.ParseProxySource(v)
		if err != nil {
			return nil, usageError{"invalid --proxy-protocol: " + err.Error()}
		}
		ps = append(ps, p)
	}
	return ps, nil
}
