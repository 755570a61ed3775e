/// Where an address is: its country and network, as an operator's IP-to-country/ASN file says.
public struct IPOrigin: Hashable, Sendable {
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String
    /// The autonomous system (`AS64500`), if the file names one.
    public var network: String?

    public init(country: String, network: String? = nil) {
        self.country = country
        self.network = network
    }
}
