"""Sign-in, password reset, two-factor (and its reset) and API token forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError

from healthlead.accounts.models import ApiToken
from healthlead.people.models import Organisation


class SignInForm(AuthenticationForm):
    """Email and password. django-axes counts failures by the `username` field's value."""

    username = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been closed. Ask your organisation's education lead.",
    }

    def clean_username(self) -> str:
        # Accounts are stored by lower-case email, so Name@NHS.net signs in (and is counted) too.
        return self.cleaned_data["username"].strip().lower()

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as error:
            # Shown against the password so the error summary links to a field.
            self.add_error("password", error)
            return self.cleaned_data


class ResetPasswordForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        help_text="The address you sign in with. We will send a link to it if it has an account.",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
        },
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ChooseNewPasswordForm(SetPasswordForm):
    """Checked against the password validators; saved by actions.set_password, not save()."""

    error_messages = {"password_mismatch": "The two passwords do not match"}
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Avoid common words and numbers on their own.",
        error_messages={"required": "Enter a new password"},
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the new password again"},
    )

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Use healthlead.accounts.actions.set_password.")


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code, for example 123456",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_code(self) -> str:
        # People type codes with spaces ("123 456") or paste them with a line break.
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ValidationError("The code must be 6 digits")
        return code


class NewApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", "30 days"),
        ("90", "90 days"),
        ("365", "1 year"),
        ("never", "Never (revoke it by hand)"),
    ]

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so you can tell tokens apart. For example, ESR sync.",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={
            "required": "Choose the organisation the token is for",
            "invalid_choice": "Choose one of the organisations you lead",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="What the token can do",
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Give a token only what it needs.",
        error_messages={
            "required": "Select at least one thing the token can do",
            "invalid_choice": "Select only the choices listed",
        },
    )
    expires = forms.ChoiceField(
        label="When should the token stop working?",
        choices=EXPIRY_CHOICES,
        initial="90",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select when the token should stop working",
            "invalid_choice": "Select when the token should stop working",
        },
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.only_organisation: Organisation | None = None
        if len(organisations) == 1:
            # One organisation: nothing to choose, and nothing to tamper with.
            self.only_organisation = organisations[0]
            del self.fields["organisation"]
        else:
            field: Any = self.fields["organisation"]
            field.queryset = organisations

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Enter a name for the token")
        return name

    @property
    def chosen_organisation(self) -> Organisation:
        return self.only_organisation or self.cleaned_data["organisation"]

    @property
    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires"]
        return None if value == "never" else int(value)


class FindAccountForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the person",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="The address they sign in to Healthlead with.",
        error_messages={
            "required": "Enter the email address of the person",
            "invalid": "Enter an email address in the correct format, like name@nhs.net",
        },
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ResetTwoFactorForm(forms.Form):
    reason = forms.CharField(
        label="Why are you resetting their two-factor sign-in?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: lost phone, reported by phone call on 3 March. "
        "This is kept in the audit log.",
        error_messages={
            "required": "Enter why you are resetting their two-factor sign-in",
            "max_length": "The reason must be 500 characters or fewer",
        },
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError("Enter why you are resetting their two-factor sign-in")
        return reason
