from django.urls import path

from healthlead.accounts import oidc_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("accounts/sign-in/", views.sign_in_view, name="sign_in"),
    path("accounts/sign-out/", views.sign_out_view, name="sign_out"),
    path("accounts/two-factor/", views.two_factor_view, name="two_factor"),
    path("accounts/oidc/start/", oidc_views.oidc_start_view, name="oidc_start"),
    path("accounts/oidc/callback/", oidc_views.oidc_callback_view, name="oidc_callback"),
    path(
        "accounts/reset-two-factor/",
        two_factor_views.start_two_factor_reset_view,
        name="start_two_factor_reset",
    ),
    path(
        "accounts/reset-two-factor/<int:pk>/",
        two_factor_views.reset_two_factor_view,
        name="reset_two_factor",
    ),
    path("accounts/reset-password/", views.reset_password_view, name="reset_password"),
    path(
        "accounts/reset-password/sent/",
        views.reset_password_sent_view,
        name="reset_password_sent",
    ),
    path(
        "accounts/reset-password/done/",
        views.password_changed_view,
        name="password_changed",
    ),
    path(
        "accounts/reset-password/<uidb64>/<token>/",
        views.choose_new_password_view,
        name="choose_new_password",
    ),
    path("accounts/you/", views.show_account_view, name="show_account"),
    path("accounts/you/change-password/", views.change_password_view, name="change_password"),
    path("api-tokens/", views.list_api_tokens_view, name="list_api_tokens"),
    path("api-tokens/new/", views.new_api_token_view, name="new_api_token"),
    path("api-tokens/<int:pk>/revoke/", views.revoke_api_token_view, name="revoke_api_token"),
]
