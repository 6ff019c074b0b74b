package tls

// ACMENames returns the names of domains that dashbox would ask the ACME CA
// at caURL (empty: Let's Encrypt) for, normalized, in order: the others stay
// on the local CA (IP addresses, localhost, and, for a public CA, names it
// does not sign). 'dashbox doctor' checks the DNS and CAA records of these.
// Names that are not valid are left out.
func ACMENames(caURL string, domains []string) []string {
	if caURL == "" {
		caURL = LetsEncryptProduction
	}
	var names []string
	for _, d := range domains {
		n, err := normalizeName(d)
		if err != nil || acmeRefusal(caURL, n) != "" {
			continue
		}
		names = append(names, n)
	}
	return names
}
