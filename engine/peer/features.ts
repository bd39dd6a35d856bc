/**
 * The features Glint advertises in `init` (DESIGN.md "Protocol choices"). The ASSUMED features of
 * BOLT 9 are required, as LDK and other current nodes require them; the rest are optional.
 */
import { FeatureVector } from '../wire/features.ts';

export const GLINT_INIT_FEATURES: FeatureVector = FeatureVector.fromNames({
  option_data_loss_protect: 'required',
  var_onion_optin: 'required',
  option_static_remotekey: 'required',
  payment_secret: 'required',
  basic_mpp: 'optional',
  option_anchors: 'optional',
  option_shutdown_anysegwit: 'optional',
  option_channel_type: 'optional',
  option_scid_alias: 'optional',
  option_zeroconf: 'optional',
});
