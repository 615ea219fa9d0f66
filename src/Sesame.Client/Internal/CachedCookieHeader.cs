namespace Sesame.Client.Internal;

/// <summary>The cookie header last built from a snapshot's jar, and which of its cookies (one bit each) it holds.</summary>
internal sealed record CachedCookieHeader(ulong Matching, string Header);
