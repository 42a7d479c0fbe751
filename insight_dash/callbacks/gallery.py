"""Pin, unpin and reorder: one callback, so the gallery and the Pin buttons always agree."""
from dash import ALL, Input, Output, State, callback, ctx
from dash.exceptions import PreventUpdate

from insight_dash.auth.identity import acting_user
from insight_dash.callbacks.conversation import pattern_click
from insight_dash.components import ids
from insight_dash.components.gallery import gallery_items
from insight_dash.services.datasets import get_dataset
from insight_dash.services.gallery import list_pins, move_pin, pin_answer, unpin

ACTIONS = {
    ids.PIN_ANSWER: lambda user, key: pin_answer(user, key),
    ids.UNPIN: lambda user, key: unpin(user, key),
    ids.MOVE_UP: lambda user, key: move_pin(user, key, -1),
    ids.MOVE_DOWN: lambda user, key: move_pin(user, key, +1),
}


@callback(Output(ids.GALLERY, "children"),
          Output({"type": ids.PIN_ANSWER, "index": ALL}, "children"),
          Output({"type": ids.PIN_ANSWER, "index": ALL}, "disabled"),
          Input({"type": ids.PIN_ANSWER, "index": ALL}, "n_clicks"),
          Input({"type": ids.UNPIN, "index": ALL}, "n_clicks"),
          Input({"type": ids.MOVE_UP, "index": ALL}, "n_clicks"),
          Input({"type": ids.MOVE_DOWN, "index": ALL}, "n_clicks"),
          State(ids.DATASET_ID, "data"), prevent_initial_call=True)
def update_gallery(_pins, _unpins, _ups, _downs, dataset_id):
    clicked = pattern_click()
    if clicked is None:
        raise PreventUpdate
    user = acting_user()
    dataset = get_dataset(user, dataset_id)
    ACTIONS[clicked["type"]](user, clicked["index"])
    pins = list_pins(user, dataset.id)
    pinned = {pin.query_id for pin in pins}
    buttons = [output["id"]["index"] in pinned for output in ctx.outputs_list[1]]
    return gallery_items(pins), ["Pinned" if done else "Pin" for done in buttons], buttons
