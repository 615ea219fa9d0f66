namespace Sesame.AspNetCore.Internal;

/// <summary>Outcome names shared by the refresh metrics and the refresh span.</summary>
internal static class RefreshOutcomes
{
    public const string Refreshed = "refreshed";
    public const string Unauthorised = "unauthorised";
    public const string TokenTheft = "token_theft";
    public const string StoreUnavailable = "store_unavailable";
    public const string DuplicateCookies = "duplicate_cookies";
}
