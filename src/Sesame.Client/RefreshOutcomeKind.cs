namespace Sesame.Client;

/// <summary>What a refresh attempt decided for the request that asked for it (docs/protocol/refresh.md#single-refresh).</summary>
internal enum RefreshOutcomeKind
{
    /// <summary>The session is fresh (refreshed now, or by another request/process meanwhile): re-send the request.</summary>
    Retry,

    /// <summary>The session is gone. <see cref="RefreshOutcome.Response"/> is the refresh's answer, if there was one.</summary>
    SessionExpired,

    /// <summary>The refresh endpoint failed (e.g. 5xx); the session is kept. <see cref="RefreshOutcome.Response"/> is its answer.</summary>
    ApiError,
}
