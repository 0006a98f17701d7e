import { Modal, StyleSheet, Text, View } from 'react-native';
import { useTheme } from '../theme/theme';
import { Button } from './Button';

interface Props {
  visible: boolean;
  title: string;
  message: string;
  confirmTitle: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
}

/** A modal rather than Alert.alert, which does nothing on react-native-web. */
export function ConfirmDialog({ visible, title, message, confirmTitle, onConfirm, onCancel, busy }: Props) {
  const t = useTheme();
  return (
    <Modal visible={visible} transparent animationType="fade" onRequestClose={onCancel}>
      <View style={styles.backdrop}>
        <View role="alertdialog" aria-modal accessibilityLabel={title} style={[styles.box, { backgroundColor: t.card, borderColor: t.border }]}>
          <Text role="heading" style={[styles.title, { color: t.text }]}>
            {title}
          </Text>
          <Text style={{ color: t.text, fontSize: 15 }}>{message}</Text>
          <View style={styles.row}>
            <Button title="Cancel" kind="secondary" onPress={onCancel} label="Cancel" />
            <Button title={confirmTitle} kind="danger" onPress={onConfirm} busy={busy} label={confirmTitle} />
          </View>
        </View>
      </View>
    </Modal>
  );
}

const styles = StyleSheet.create({
  backdrop: { flex: 1, backgroundColor: 'rgba(0,0,0,0.5)', alignItems: 'center', justifyContent: 'center', padding: 24 },
  box: { width: '100%', maxWidth: 420, borderRadius: 14, borderWidth: 1, padding: 20, gap: 14 },
  title: { fontSize: 18, fontWeight: '700' },
  row: { flexDirection: 'row', justifyContent: 'flex-end', gap: 10 },
});
