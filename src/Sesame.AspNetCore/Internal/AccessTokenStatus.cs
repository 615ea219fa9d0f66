namespace Sesame.AspNetCore.Internal;

/// <summary>The outcome of reading an access token, in the protocol's terms (docs/protocol/rotation.md#verification).</summary>
internal enum AccessTokenStatus
{
    /// <summary>No token, or not a token of ours at all (parse or structure failure): treated as "no token".</summary>
    Unusable,

    /// <summary>Signed by one of our keys, well-formed and unexpired.</summary>
    Valid,

    /// <summary>Ours in shape but with a bad signature, an unknown key or expired: the client should refresh.</summary>
    TryRefresh,
}
