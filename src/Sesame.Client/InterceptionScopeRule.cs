namespace Sesame.Client;

/// <summary>Which URLs get the session (current protocol). Every rule accepts the API domain's host and, with
/// <see cref="SesameClientOptions.SessionTokenBackendDomain"/>, its sub-domains; they differ in scheme and port (docs/security.md).</summary>
public enum InterceptionScopeRule
{
    /// <summary>The default: the reference rule (any port), except that the session never goes over <c>http</c> when the API domain is <c>https</c>.</summary>
    HostNoDowngrade,

    /// <summary>Strict: the scheme and the port must also be the API domain's (another service on another port of the same host gets nothing).</summary>
    StrictOrigin,

    /// <summary>The reference client's rule, for compatibility: the host alone decides, any scheme (so also plain <c>http</c>) and any port.</summary>
    ReferenceHost,
}
