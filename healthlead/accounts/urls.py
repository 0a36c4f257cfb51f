from django.urls import path

from healthlead.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("accounts/sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("accounts/sign-out/", views.sign_out_view, name="sign_out"),
    path("accounts/two-factor/", views.two_factor_view, name="two_factor"),
    path("accounts/reset-password/", views.ResetPasswordView.as_view(), name="reset_password"),
    path(
        "accounts/reset-password/sent/",
        views.ResetPasswordSentView.as_view(),
        name="reset_password_sent",
    ),
    path(
        "accounts/reset-password/<uidb64>/<token>/",
        views.ChooseNewPasswordView.as_view(),
        name="choose_new_password",
    ),
    path(
        "accounts/reset-password/done/",
        views.PasswordChangedView.as_view(),
        name="password_changed",
    ),
    path("accounts/you/", views.show_account_view, name="show_account"),
]
