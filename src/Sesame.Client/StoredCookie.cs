namespace Sesame.Client;

/// <summary>One cookie of the client's jar.</summary>
/// <param name="Name">Cookie name.</param>
/// <param name="Value">Value exactly as received.</param>
/// <param name="Domain">Host (host-only) or domain the cookie belongs to, lower case, no leading dot.</param>
/// <param name="Path">Path the cookie is sent to.</param>
/// <param name="Expires">Expiry, or null for a session cookie.</param>
/// <param name="HostOnly">True if the cookie is sent only to exactly <paramref name="Domain"/>.</param>
/// <param name="Secure">True if the cookie is sent only over https.</param>
public sealed record StoredCookie(string Name, string Value, string Domain, string Path, DateTimeOffset? Expires, bool HostOnly, bool Secure)
{
    /// <summary>Describes the cookie without its value.</summary>
    /// <returns>A description without the secret value.</returns>
    public override string ToString() => $"{Name} (domain {Domain}, path {Path}, expires {Expires:O}, hostOnly {HostOnly})";
}
