namespace Sesame.Client;

/// <summary>The wire dialect the client speaks.</summary>
public enum SessionProtocol
{
    /// <summary>The current protocol (front token, <c>st-auth-mode</c>, refresh at <c>{ApiDomain}{ApiBasePath}/session/refresh</c>).</summary>
    Current,

    /// <summary>The 2019 seed-era protocol: cookies only, <c>sIdRefreshToken</c> as the "session exists" signal, an explicit refresh URL.</summary>
    Legacy,
}
