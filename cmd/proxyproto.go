package cmd

import (
	"net/netip"

	"github.com/dashbox/dashbox/server"
)

// proxyProtocolUsage is --proxy-protocol's help.
const proxyProtocolUsage = "take the client address from the PROXY protocol header (v1 or v2) of connections from this load balancer `address` or network (such as 10.0.0.5 or 10.0.0.0/24): the access log, --allow and the login limit use it; its connections must send the header, and a header from any other address closes the connection; repeat for more (comma-separated in the environment)"

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
