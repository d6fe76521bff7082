from django.apps import AppConfig


class ChannelPanelConfig(AppConfig):
    name = "channel_panel"
    verbose_name = "Channel Panel"
