namespace Sesame.Client.Internal;

/// <summary>Header values the caller set on a request for names the session handler also writes; restored on every attempt.</summary>
internal readonly record struct UserHeaders(string? Rid, string? Authorization, string? AntiCsrf, string? Cookie)
{
    public bool Any => Rid is not null || Authorization is not null || AntiCsrf is not null || Cookie is not null;
}
