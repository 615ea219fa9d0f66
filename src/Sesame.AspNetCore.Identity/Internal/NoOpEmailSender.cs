using Microsoft.AspNetCore.Identity;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>The email sender used until the app registers its own, as <c>AddIdentityApiEndpoints</c> does: sends nothing.</summary>
internal sealed class NoOpEmailSender<TUser> : IEmailSender<TUser>
    where TUser : class
{
    public Task SendConfirmationLinkAsync(TUser user, string email, string confirmationLink) => Task.CompletedTask;

    public Task SendPasswordResetLinkAsync(TUser user, string email, string resetLink) => Task.CompletedTask;

    public Task SendPasswordResetCodeAsync(TUser user, string email, string resetCode) => Task.CompletedTask;
}
